"""Oracle Store: land a world, verify it, seal it, check it, compare roots, move the root pointer."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID

from fraud_platform.cli.options import (
    READ_ONLY_ROLE,
    FactRunOption,
    JsonFlag,
    OutputsOption,
    ProfileOption,
    RoleOption,
    RootOption,
    ScenarioIdOption,
    SourceProfileOption,
    SourceRoleOption,
    WorkersOption,
)
from fraud_platform.cli.output import Output
from fraud_platform.cli.parsing import comma_list
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.config import role_credentials
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle import (
    DEFAULT_ROLE,
    ORACLE_COMPARE_DIFFERENT,
    ORACLE_LANDED,
    ORACLE_POINTER_MOVED,
    ORACLE_SEALED,
    ORACLE_VERIFY_FAILED,
    POINTER_MISSING,
    LandingOptions,
    LandingSource,
    OracleRuntime,
    PackRoot,
    PointerMove,
    default_root_uri,
    engine_run_id_of,
    land_world,
    open_source,
    read_pointer,
    rollback_pointer,
    set_pointer,
)
from fraud_platform.oracle.pointer import MoveGate
from fraud_platform.substrate import telemetry
from fraud_platform.substrate.factory import open_object_store

NAME = "oracle"
app = typer.Typer(no_args_is_help=True)
pointer_app = typer.Typer(
    no_args_is_help=True, help="Show, set or roll back a profile's Oracle root pointer."
)
app.add_typer(pointer_app, name="pointer")

_LOCAL = "local_parity"
_SourceOption = Annotated[
    str, typer.Option("--source", metavar="DIR|S3_URI", help="World folder, or s3://… on the source profile.")
]
_FROM_SOURCE = "operator"


class _Bar:
    """LandingProgress over a Rich progress bar: bytes on the bar, files in the description."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._files = 0
        self._total = 0

    def planned(self, files: int, total_bytes: int) -> None:
        self._total = files
        self._task = self._progress.add_task(self._label(), total=total_bytes)

    def advanced(self, files: int, nbytes: int) -> None:
        self._files += files
        if self._task is not None:
            self._progress.update(self._task, advance=nbytes, description=self._label())

    def _label(self) -> str:
        return f"landing {self._files}/{self._total} files"


def _open_source(spec: str, source_profile: str, source_role: str) -> LandingSource:
    """A folder, or an s3:// prefix read through its own profile's endpoint and role."""
    store = OracleRuntime.open(source_profile, source_role).store if spec.startswith("s3://") else None
    return open_source(spec, store)


@app.command()
def land(
    source: _SourceOption,
    dest: Annotated[
        str | None,
        typer.Option("--dest", metavar="S3_URI", help="Pack root (default: the profile's Oracle root)."),
    ] = None,
    source_profile: SourceProfileOption = None,
    source_role: SourceRoleOption = _FROM_SOURCE,
    workers: WorkersOption = None,
    run: FactRunOption = None,
    profile: ProfileOption = _LOCAL,
    role: RoleOption = DEFAULT_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Land a world write-once (resumable, idempotent) and commit its landing manifest."""

    def body(out: Output) -> None:
        runtime = OracleRuntime.open(profile, role)
        world = _open_source(source, source_profile or profile, source_role)
        root = PackRoot.parse(
            dest
            or default_root_uri(runtime.bucket, runtime.profile.oracle.namespace, engine_run_id_of(world))
        )
        options = LandingOptions(workers=workers or runtime.profile.budgets.landing_workers)
        out.info(f"landing {world.uri} → {root.uri} ({options.workers} workers)")
        with out.progress(transfer=True) as progress:
            report = land_world(
                world,
                runtime.store,
                root,
                options=options,
                progress=_Bar(progress),
                telemetry=telemetry.snapshot,
            )
        payload = report.to_json()
        if run is not None:
            payload["fact_event_id"] = runtime.emit(run, ORACLE_LANDED, report.fact_details())
        out.result(payload)

    run_command(json_mode, body)


@app.command()
def verify(
    root: RootOption,
    source: Annotated[
        str | None,
        typer.Option("--source", metavar="DIR|S3_URI", help="Also re-read this source and compare."),
    ] = None,
    source_profile: SourceProfileOption = None,
    source_role: SourceRoleOption = _FROM_SOURCE,
    workers: WorkersOption = None,
    profile: ProfileOption = _LOCAL,
    role: RoleOption = READ_ONLY_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Re-read every landed byte (and the source's) and compare with the landing manifest."""

    def body(out: Output) -> None:
        runtime = OracleRuntime.open(profile, role)
        world = _open_source(source, source_profile or profile, source_role) if source is not None else None
        from fraud_platform.oracle.verify import verify_landing

        report = verify_landing(
            runtime.store,
            PackRoot.parse(root),
            source=world,
            workers=workers or runtime.profile.budgets.landing_workers,
        )
        if not report.ok:
            for problem in report.problems[:20]:
                out.info(f"{problem['side']}: {problem['problem']} {problem['path']}")
            raise CheckFailed(ORACLE_VERIFY_FAILED, report.to_json())
        out.result(report.to_json())

    run_command(json_mode, body)


@app.command()
def seal(
    root: RootOption,
    scenario_id: ScenarioIdOption,
    outputs: OutputsOption = None,
    workers: WorkersOption = None,
    run: FactRunOption = None,
    profile: ProfileOption = _LOCAL,
    role: RoleOption = DEFAULT_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Verify gates and Parquet footers from the landed bytes, then write the pack manifest and seal."""

    def body(out: Output) -> None:
        runtime = OracleRuntime.open(profile, role)
        from fraud_platform.oracle.seal import seal_pack  # pyarrow for the Parquet footers

        report = seal_pack(
            runtime.store,
            PackRoot.parse(root),
            scenario_id,
            runtime.tails(),
            output_ids=comma_list(outputs),
            workers=workers or runtime.profile.budgets.landing_workers,
        )
        payload = report.to_json()
        if run is not None:
            payload["fact_event_id"] = runtime.emit(run, ORACLE_SEALED, report.fact_details())
        if not report.ok:
            for failure in report.seal.failures:
                out.info(f"{failure.code} {failure.subject}: {failure.detail}")
            raise CheckFailed(report.first_code, payload)
        out.result(payload)

    run_command(json_mode, body)


@app.command()
def check(
    root: RootOption,
    scenario_id: ScenarioIdOption,
    outputs: OutputsOption = None,
    profile: ProfileOption = _LOCAL,
    role: RoleOption = READ_ONLY_ROLE,
    deep: Annotated[
        bool,
        typer.Option(
            "--deep",
            metavar="",
            help="Also stream and re-hash every landed source byte and every view part "
            "(default: trust the landing manifest and the store's part SHA-256; the report lists what it trusted).",
        ),
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """The consumer check SR and WSP run: seal, pack, landing, world key, gates and stream views."""

    def body(out: Output) -> None:
        from fraud_platform.oracle.check import check_pack  # the engine catalogue only when checking

        runtime = OracleRuntime.open(profile, role)
        report = check_pack(runtime.store, PackRoot.parse(root), scenario_id, comma_list(outputs), deep=deep)
        for trusted in report.trusted:
            out.info(f"trusted: {trusted}")
        if not report.ok:
            for failure in report.failures:
                out.info(f"{failure.code} {failure.subject}: {failure.detail}")
            raise CheckFailed(report.code, report.to_json())
        out.result(report.to_json())

    run_command(json_mode, body)


@app.command()
def compare(
    left: Annotated[str, typer.Option("--left", metavar="S3_URI", help="First pack root s3://…/.")],
    right: Annotated[str, typer.Option("--right", metavar="S3_URI", help="Second pack root s3://…/.")],
    left_profile: Annotated[
        str | None,
        typer.Option("--left-profile", metavar="PROFILE", help="Profile of --left (default --profile)."),
    ] = None,
    right_profile: Annotated[
        str | None,
        typer.Option("--right-profile", metavar="PROFILE", help="Profile of --right (default --profile)."),
    ] = None,
    profile: ProfileOption = _LOCAL,
    role: RoleOption = READ_ONLY_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Shadow parity: landing manifests, pack ids and stream-view receipts of two roots; exit 0 if identical."""

    def body(out: Output) -> None:
        from fraud_platform.oracle.compare import Side, compare_roots  # the closure receipt models

        left_side = Side(OracleRuntime.open(left_profile or profile, role).store, PackRoot.parse(left))
        right_side = Side(OracleRuntime.open(right_profile or profile, role).store, PackRoot.parse(right))
        report = compare_roots(left_side, right_side)
        if not report.identical:
            for difference in report.differences[:20]:
                out.info(str(difference))
            raise CheckFailed(ORACLE_COMPARE_DIFFERENT, report.to_json())
        out.result(report.to_json())

    run_command(json_mode, body)


@pointer_app.command("show")
def pointer_show(
    profile: ProfileOption = _LOCAL, role: RoleOption = READ_ONLY_ROLE, json_mode: JsonFlag = False
) -> None:
    """The pack root and scenario a profile currently reads."""

    def body(out: Output) -> None:
        runtime = OracleRuntime.open(profile, role)
        current = read_pointer(runtime.store, runtime.bucket, profile)
        if current is None:
            raise FailClosed(POINTER_MISSING, f"no Oracle root pointer for {profile}")
        out.result({"pointer": current[0].model_dump(mode="json")})

    run_command(json_mode, body)


_SHADOW_READER = "auditor"  # reads evidence/ only (bootstrap/roles.py): the shadow document


def _shadow_gate(runtime: OracleRuntime, shadow_id: str) -> MoveGate:
    """`--require-shadow`: allow the move only onto the right-hand root of a passing shadow."""
    from fraud_platform.oracle.shadow_gate import require_shadow

    store = open_object_store(role_credentials(runtime.profile, _SHADOW_READER))
    evidence_bucket = runtime.profile.object_store.evidence_bucket

    def gate(pack_root: str, scenario_id: str, oracle_pack_id: str) -> None:
        require_shadow(
            store,
            evidence_bucket,
            shadow_id,
            profile=runtime.profile.profile,
            rehearsal=runtime.profile.rehearsal,
            pack_root=pack_root,
            scenario_id=scenario_id,
            oracle_pack_id=oracle_pack_id,
        )

    return gate


@pointer_app.command("set")
def pointer_set(
    root: RootOption,
    scenario_id: ScenarioIdOption,
    run: FactRunOption = None,
    require_shadow: Annotated[
        str | None,
        typer.Option(
            "--require-shadow",
            metavar="PLATFORM_RUN_ID",
            help="Move only if this shadow (its right-hand run id, from `fp run shadow`) passed for --root.",
        ),
    ] = None,
    profile: ProfileOption = _LOCAL,
    role: RoleOption = DEFAULT_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Move the pointer to a checked pack (compare-and-swap; a new history entry)."""

    def body(out: Output) -> None:
        runtime = OracleRuntime.open(profile, role)
        move = set_pointer(
            runtime.store,
            runtime.bucket,
            profile,
            PackRoot.parse(root).uri,
            scenario_id,
            runtime.checked_pack_id,
            gate=_shadow_gate(runtime, require_shadow) if require_shadow is not None else None,
        )
        payload = _moved(runtime, move, run)
        if require_shadow is not None:
            payload["shadow"] = require_shadow
        out.result(payload)

    run_command(json_mode, body)


@pointer_app.command("rollback")
def pointer_rollback(
    run: FactRunOption = None,
    profile: ProfileOption = _LOCAL,
    role: RoleOption = DEFAULT_ROLE,
    json_mode: JsonFlag = False,
) -> None:
    """Restore the previous pointer entry (as a new history entry); never a data move."""

    def body(out: Output) -> None:
        runtime = OracleRuntime.open(profile, role)
        move = rollback_pointer(runtime.store, runtime.bucket, profile, runtime.checked_pack_id)
        out.result(_moved(runtime, move, run))

    run_command(json_mode, body)


def _moved(runtime: OracleRuntime, move: PointerMove, run: str | None) -> dict[str, Any]:
    payload = move.to_json()
    if run is not None and move.moved:
        payload["fact_event_id"] = runtime.emit(run, ORACLE_POINTER_MOVED, move.fact_details())
    return payload


def _mount_sort() -> None:
    """Mount `fp oracle sort` from the stream-view package when it is installed alongside."""
    name = "fraud_platform.cli.oracle_sort_command"
    if importlib.util.find_spec(name) is not None:
        importlib.import_module(name).register(app)


_mount_sort()
