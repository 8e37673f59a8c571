"""S6 append-only triggers in their 126 form: steps are immutable; a trace may change status/completed_at/metadata"""

from alembic import op

revision = "003_s6_trace_completion_allowed"
down_revision = "002_aos_traces"


def upgrade() -> None:
    op.execute("""
    CREATE FUNCTION prevent_trace_step_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
           AND to_jsonb(NEW) - 'archived_at' = to_jsonb(OLD) - 'archived_at' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'S6_IMMUTABILITY_VIOLATION: aos_trace_steps is append-only. Only archival is permitted';
    END $$;
    CREATE TRIGGER prevent_trace_step_update BEFORE UPDATE ON aos_trace_steps
        FOR EACH ROW EXECUTE FUNCTION prevent_trace_step_update();

    CREATE FUNCTION enforce_trace_step_delete_restriction() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM aos_traces WHERE trace_id = OLD.trace_id) THEN
            RAISE EXCEPTION 'S6_IMMUTABILITY_VIOLATION: steps of an existing trace cannot be deleted';
        END IF;
        RETURN OLD;
    END $$;
    CREATE TRIGGER enforce_trace_step_delete_restriction BEFORE DELETE ON aos_trace_steps
        FOR EACH ROW EXECUTE FUNCTION enforce_trace_step_delete_restriction();

    CREATE FUNCTION reject_trace_update_lifecycle() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.archived_at IS NULL AND NEW.archived_at IS NOT NULL
           AND to_jsonb(NEW) - 'archived_at' = to_jsonb(OLD) - 'archived_at' THEN
            RETURN NEW;
        END IF;
        IF to_jsonb(NEW) - 'status' - 'completed_at' - 'metadata' = to_jsonb(OLD) - 'status' - 'completed_at' - 'metadata' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'S6_IMMUTABILITY_VIOLATION: aos_traces may change only status, completed_at and metadata';
    END $$;
    CREATE TRIGGER prevent_trace_update BEFORE UPDATE ON aos_traces
        FOR EACH ROW EXECUTE FUNCTION reject_trace_update_lifecycle();

    CREATE FUNCTION enforce_trace_delete_restriction() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM aos_traces_archive WHERE id = OLD.id) THEN
            RAISE EXCEPTION 'S6_IMMUTABILITY_VIOLATION: a trace can be deleted only after it is archived';
        END IF;
        RETURN OLD;
    END $$;
    CREATE TRIGGER enforce_trace_delete_restriction BEFORE DELETE ON aos_traces
        FOR EACH ROW EXECUTE FUNCTION enforce_trace_delete_restriction();
    """)
