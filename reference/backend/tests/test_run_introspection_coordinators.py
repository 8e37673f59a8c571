"""Unit tests of RunProofCoordinator and the integrity config (contract §6, §8). No database, no network."""

import hashlib
from datetime import datetime, timezone
from unittest.mock import AsyncMock, MagicMock, patch

import pytest

from app.hoc.cus.hoc_spine.orchestrator.coordinators.run_proof_coordinator import (
    RunProofCoordinator,
    get_run_proof_coordinator,
)
from app.hoc.cus.hoc_spine.schemas.run_introspection_protocols import INTEGRITY_CONFIG
from app.hoc.cus.logs.L6_drivers.records import TraceRecord, TraceStep, coerce_step_status

BRIDGE = "app.hoc.cus.hoc_spine.orchestrator.coordinators.bridges.logs_bridge.get_logs_bridge"
CONFIG = "app.hoc.cus.hoc_spine.schemas.run_introspection_protocols.INTEGRITY_CONFIG"
STARTED = datetime(2026, 2, 9, tzinfo=timezone.utc)


def trace(*steps: TraceStep, run_id: str = "run-abc") -> TraceRecord:
    return TraceRecord(f"trace_{run_id}", run_id, "tenant-abc", "completed", STARTED, STARTED, list(steps))


def bridge_returning(store) -> MagicMock:
    bridge = MagicMock()
    bridge.traces_store_capability.return_value = store
    return bridge


def store_with(result) -> MagicMock:
    store = MagicMock()
    store.get_trace = AsyncMock(return_value=result)
    return store


async def proof(store, run_id="run-abc", tenant_id="tenant-abc"):
    with patch(BRIDGE, return_value=bridge_returning(store)):
        return await RunProofCoordinator().get_run_proof(AsyncMock(), tenant_id, run_id)


class TestRunProofCoordinator:
    async def test_verified_with_one_step_chain(self):
        result = await proof(store_with(trace(TraceStep(0, "http_call", "success", 12.0, 0.0))))
        expected = hashlib.sha256(b"run-abc")
        expected.update(b"0:http_call:success")
        assert result.integrity.model == "HASH_CHAIN"
        assert result.integrity.verification_status == "VERIFIED"
        assert result.integrity.chain_length == 1
        assert result.integrity.root_hash == expected.hexdigest()
        assert [t.trace_id for t in result.aos_traces] == ["run-abc"]
        assert result.aos_traces[0].step_count == 1

    async def test_unsupported_when_no_trace(self):
        result = await proof(store_with(None))
        assert (result.integrity.model, result.integrity.verification_status) == ("NONE", "UNSUPPORTED")
        assert result.integrity.failure_reason == "No trace found for run"
        assert result.aos_traces == [] and result.aos_trace_steps == []

    async def test_unsupported_when_trace_has_no_steps(self):
        result = await proof(store_with(trace()))
        assert (result.integrity.model, result.integrity.verification_status) == ("HASH_CHAIN", "UNSUPPORTED")
        assert result.integrity.failure_reason == "No steps to verify"
        assert result.integrity.root_hash is None and result.integrity.chain_length == 0

    async def test_passes_tenant_id_to_trace_store(self):
        store = store_with(None)
        await proof(store)
        store.get_trace.assert_awaited_once_with("run-abc", tenant_id="tenant-abc")

    async def test_falls_back_when_store_rejects_tenant_id(self):
        store = MagicMock()
        store.get_trace = AsyncMock(side_effect=[TypeError("unexpected keyword argument 'tenant_id'"), None])
        result = await proof(store)
        assert store.get_trace.await_count == 2
        assert store.get_trace.await_args_list[1].args == ("run-abc",)
        assert result.integrity.verification_status == "UNSUPPORTED"

    async def test_root_hash_reproduces_the_v4_report(self):
        run_id = "cd6567f1-3398-403b-8243-68ef3291c7ad"
        result = await proof(store_with(trace(TraceStep(0, "http_call", "success", 1.0, 0.0), run_id=run_id)), run_id=run_id)
        assert result.integrity.root_hash.startswith("9122e46a")

    async def test_chain_covers_every_step_in_order(self):
        steps = [TraceStep(i, "http_call", "success", 1.0, 0.0) for i in range(3)]
        result = await proof(store_with(trace(*steps)))
        expected = hashlib.sha256(b"run-abc")
        for i in range(3):
            expected.update(f"{i}:http_call:success".encode())
        assert (result.integrity.chain_length, result.integrity.root_hash) == (3, expected.hexdigest())

    async def test_session_is_not_used(self):
        session = MagicMock()
        with patch(BRIDGE, return_value=bridge_returning(store_with(None))):
            await RunProofCoordinator().get_run_proof(session, "tenant-abc", "run-abc")
        assert session.mock_calls == []

    @pytest.mark.parametrize(("model", "expected"), [
        ("NONE", ("NONE", "Integrity model is NONE")),
        ("MERKLE_TREE", ("MERKLE_TREE", "MERKLE_TREE not yet implemented")),
        ("SOMETHING_ELSE", ("NONE", "Unknown integrity model: SOMETHING_ELSE")),
    ])
    async def test_other_integrity_models_are_unsupported(self, model, expected):
        with patch.dict(CONFIG, {"model": model}):
            result = await proof(store_with(trace(TraceStep(0, "http_call", "success", 1.0, 0.0))))
        assert (result.integrity.model, result.integrity.failure_reason) == expected
        assert result.integrity.verification_status == "UNSUPPORTED"

    def test_coordinator_is_a_singleton(self):
        assert get_run_proof_coordinator() is get_run_proof_coordinator()


class TestStepStatusCoercion:
    @pytest.mark.parametrize(("stored", "read"), [
        ("succeeded", "success"), ("failed", "success"), ("failure", "failure"), ("skipped", "skipped"),
    ])
    def test_statuses_outside_the_store_vocabulary_read_as_success(self, stored, read):
        assert coerce_step_status(stored) == read


class TestIntegrityConfig:
    def test_model_is_hash_chain(self):
        assert INTEGRITY_CONFIG["model"] == "HASH_CHAIN"

    def test_trust_boundary_is_system(self):
        assert INTEGRITY_CONFIG["trust_boundary"] == "SYSTEM"

    def test_storage_is_postgres(self):
        assert INTEGRITY_CONFIG["storage"] == "POSTGRES"
