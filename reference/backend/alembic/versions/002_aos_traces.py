"""aos_traces and aos_trace_steps: steps carry no run_id; unique (trace_id, step_index)"""

from alembic import op

revision = "002_aos_traces"
down_revision = "001_tenants_agents_runs"


def upgrade() -> None:
    op.execute("""
    CREATE TABLE aos_traces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        trace_id varchar(64) NOT NULL UNIQUE, run_id varchar(64) NOT NULL, correlation_id varchar(64) NOT NULL,
        tenant_id varchar(64) NOT NULL, agent_id varchar(64), plan_id varchar(64), seed bigint,
        root_hash varchar(64) NOT NULL, plan_hash varchar(64), schema_version varchar(16) NOT NULL,
        plan jsonb NOT NULL, trace jsonb NOT NULL, metadata jsonb, status varchar(32) NOT NULL,
        started_at timestamptz NOT NULL, completed_at timestamptz, created_at timestamptz NOT NULL DEFAULT now(),
        stored_by varchar(64), is_synthetic boolean NOT NULL DEFAULT false, synthetic_scenario_id varchar(64),
        archived_at timestamptz
    );
    CREATE INDEX ix_aos_traces_run_id ON aos_traces (run_id);
    CREATE TABLE aos_traces_archive (LIKE aos_traces);

    CREATE TABLE aos_trace_steps (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        trace_id varchar(64) NOT NULL REFERENCES aos_traces (trace_id) ON DELETE CASCADE,
        step_index integer NOT NULL, skill_id varchar(64), skill_name varchar(64) NOT NULL, params jsonb NOT NULL,
        status varchar(32) NOT NULL, outcome_category varchar(32) NOT NULL, outcome_code varchar(64), outcome_data jsonb,
        cost_cents double precision NOT NULL DEFAULT 0, duration_ms double precision NOT NULL DEFAULT 0,
        retry_count integer NOT NULL DEFAULT 0, replay_behavior varchar(16), timestamp timestamptz NOT NULL DEFAULT now(),
        source varchar(32) NOT NULL DEFAULT 'engine', level varchar(16) NOT NULL DEFAULT 'INFO',
        is_synthetic boolean NOT NULL DEFAULT false, synthetic_scenario_id varchar(64), archived_at timestamptz
    );
    CREATE UNIQUE INDEX uq_aos_trace_steps_trace_step ON aos_trace_steps (trace_id, step_index);
    """)
