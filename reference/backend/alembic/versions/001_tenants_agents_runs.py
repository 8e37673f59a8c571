"""tenants, agents and runs, with the origin_system_id rules of contract §5"""

from alembic import op

revision = "001_tenants_agents_runs"
down_revision = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE tenants (
        id varchar(36) PRIMARY KEY, name varchar(255) NOT NULL, slug varchar(255) NOT NULL UNIQUE,
        plan varchar(32) NOT NULL DEFAULT 'free', status varchar(32) NOT NULL DEFAULT 'active',
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz
    );
    CREATE TABLE agents (
        id varchar PRIMARY KEY, name varchar NOT NULL, description text, status varchar NOT NULL DEFAULT 'active',
        budget_cents integer, spent_cents integer NOT NULL DEFAULT 0, tenant_id varchar,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz
    );
    CREATE TABLE runs (
        id varchar PRIMARY KEY, agent_id varchar NOT NULL, goal text NOT NULL, status varchar NOT NULL DEFAULT 'queued',
        attempts integer NOT NULL DEFAULT 0, max_attempts integer NOT NULL DEFAULT 3, error_message text,
        plan_json text, tool_calls_json text, tenant_id varchar,
        origin_system_id varchar(100) NOT NULL,
        actor_type varchar NOT NULL DEFAULT 'SYSTEM', actor_id varchar,
        authorization_decision varchar NOT NULL DEFAULT 'GRANTED',
        created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz, completed_at timestamptz,
        next_attempt_at timestamptz, duration_ms double precision
    );
    CREATE INDEX ix_runs_tenant_id ON runs (tenant_id);

    CREATE FUNCTION runs_origin_system_not_legacy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.origin_system_id = 'legacy-migration' THEN
            RAISE EXCEPTION 'origin_system_id cannot be ''legacy-migration'' for new runs (use real system identifier)';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER trg_runs_origin_system_not_legacy BEFORE INSERT ON runs
        FOR EACH ROW EXECUTE FUNCTION runs_origin_system_not_legacy();

    CREATE FUNCTION runs_agent_id_not_legacy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.agent_id = 'legacy-unknown' THEN
            RAISE EXCEPTION 'agent_id cannot be ''legacy-unknown'' for new runs';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER trg_runs_agent_id_not_legacy BEFORE INSERT ON runs
        FOR EACH ROW EXECUTE FUNCTION runs_agent_id_not_legacy();
    """)
