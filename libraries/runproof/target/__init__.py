"""The target: DATABASE_URL read as libpq reads it, the throwaway PostgreSQL, the backend's environment, the http_call
answer, and the reaper that removes what the suite started however it ends."""
