"""Trust and control: plan, apply and verify roles, least-privilege policies, bucket posture and topics."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer

from fraud_platform.bootstrap import (
    BootstrapPorts,
    apply_bootstrap,
    build_plan,
    default_plan_path,
    parse_grant_extra,
    verify_bootstrap,
    write_plan,
)
from fraud_platform.bootstrap._reasons import POSTURE_VIOLATION
from fraud_platform.cli.options import FactRunOption, JsonFlag, ProfileOption
from fraud_platform.cli.output import Output
from fraud_platform.cli.runner import CheckFailed, run_command
from fraud_platform.config import LOCAL_PARITY, fp_home, load_profile
from fraud_platform.core.time import SystemClock
from fraud_platform.eb.topics import TOPICS

NAME = "bootstrap"
app = typer.Typer(no_args_is_help=True)

_RUN = typer.Option(
    None,
    "--run",
    metavar="PLATFORM_RUN_ID",
    help="A platform_run_id: also record the report as a governance fact.",
)


def _grants(role: dict[str, Any], bucket: str) -> str:
    lines = [
        f"{g['prefix'] or '(all)'} {''.join(a[0] for a in g['actions'])}"
        for g in role["object_grants"]
        if g["bucket"] == bucket
    ]
    return "\n".join(lines) or "-"


def _topics(role: dict[str, Any], operation: str) -> str:
    if sum(1 for g in role["topic_grants"] if g["operation"] == operation) == len(TOPICS):
        return "(all)"
    names = [
        g["topic"].removeprefix("fp.bus.").removesuffix(".v1")
        for g in role["topic_grants"]
        if g["operation"] == operation
    ]
    return "\n".join(names) or "-"


def _render_plan(out: Output, plan: dict[str, Any]) -> None:
    out.table(
        f"buckets ({plan['profile']})",
        ["bucket", "versioning", "sse", "lifecycle rules", "policy", "public access"],
        [
            [
                b["name"],
                b["versioning"],
                b["sse"]["algorithm"],
                len(b["lifecycle_rules"]),
                ", ".join(s["Sid"] for s in b["policy"]["Statement"]),
                "blocked",
            ]
            for b in plan["buckets"]
        ],
    )
    out.table(
        "topics",
        ["topic", "partitions", "retention days"],
        [[t["name"], t["partitions"], t["retention_ms"] // 86_400_000] for t in plan["topics"]],
    )
    out.table(
        "roles (g=get p=put l=list d=delete)",
        ["role", "object store", "evidence", "produce", "consume"],
        [
            [
                r["role"],
                _grants(r, "object_store"),
                _grants(r, "evidence"),
                _topics(r, "produce"),
                _topics(r, "consume"),
            ]
            for r in plan["roles"]
        ],
    )
    for gap in plan["local_gaps"]:
        out.info(f"[yellow]UNSUPPORTED_LOCALLY[/yellow] {gap['control']}: {gap['why']}")


@app.command("plan")
def plan_command(
    profile: ProfileOption = LOCAL_PARITY,
    out_path: Path | None = typer.Option(
        None, "--out", metavar="PATH", help="Where to write the plan (default FP_HOME/bootstrap/)."
    ),
    json_mode: JsonFlag = False,
) -> None:
    """Write the deterministic plan document (cj1 JSON) and summarise it; no network needed."""

    def body(out: Output) -> None:
        loaded = load_profile(profile)
        plan = build_plan(loaded)
        path = out_path or default_plan_path(fp_home(), loaded.profile)
        digest = write_plan(plan, path)
        if not json_mode:
            _render_plan(out, plan)
        out.result({"profile": loaded.profile, "plan_path": str(path), "plan_digest": digest["hex"]})

    run_command(json_mode, body)


@app.command("apply")
def apply_command(
    profile: ProfileOption = LOCAL_PARITY,
    rotate: bool = typer.Option(
        False, "--rotate", metavar="", help="Issue new key pairs for every role (local only)."
    ),
    run_id: FactRunOption = None,
    grant_extra: list[str] = typer.Option(
        [],
        "--grant-extra",
        metavar="ROLE:BUCKET:PREFIX:ACTIONS",
        hidden=True,
        help="TEST ONLY: ROLE:VERB:bucket/prefix* added to a local identity.",
    ),
    json_mode: JsonFlag = False,
) -> None:
    """Create buckets, posture, topics and (locally) role keys and identities; idempotent."""

    def body(out: Output) -> None:
        loaded = load_profile(profile)
        extras = [parse_grant_extra(text) for text in grant_extra]
        for role, action in extras:
            out.info(f"[red]TEST OVERRIDE[/red] granting {role} the extra action {action}")
        home = fp_home()
        result = apply_bootstrap(
            loaded,
            ports=BootstrapPorts(loaded),
            fp_home=home,
            clock=SystemClock(),
            rotate=rotate,
            extras=extras,
            run_id=run_id,
            say=out.info,
        )
        report = result.report
        if not json_mode:
            out.table(
                "apply",
                ["target", "setting", "outcome", "detail"],
                [[s["target"], s["setting"], s["outcome"], s["detail"]] for s in report["steps"]],
            )
        out.result(
            {
                "profile": loaded.profile,
                "report_path": str(result.path),
                "report_digest": result.digest["hex"],
                "plan_digest": report["plan_digest"]["hex"],
                "summary": report["summary"],
                "unsupported_locally": report["unsupported_locally"],
                "overrides": report["overrides"],
                "evidence": report["evidence"],
            }
        )

    run_command(json_mode, body)


def _render_posture(out: Output, report: dict[str, Any], show_all: bool) -> None:
    per_role: dict[str, Counter[str]] = {}
    for probe in report["probes"]:
        counts = per_role.setdefault(probe["role"], Counter())
        counts[f"{probe['expected']}:{probe['verdict']}"] += 1
    out.table(
        f"probes ({report['summary']['probes']}, nonce {report['nonce']})",
        ["role", "allow PASS", "deny PASS", "UNSUPPORTED_LOCALLY", "FAIL"],
        [
            [
                role,
                c["allow:PASS"],
                c["deny:PASS"],
                c["allow:UNSUPPORTED_LOCALLY"] + c["deny:UNSUPPORTED_LOCALLY"],
                c["allow:FAIL"] + c["deny:FAIL"],
            ]
            for role, c in per_role.items()
        ],
    )
    shown = [p for p in report["probes"] if show_all or p["verdict"] != "PASS"]
    if shown:
        out.table(
            "probe details",
            ["role", "action", "target", "expected", "observed", "verdict"],
            [
                [p["role"], p["action"], p["target"], p["expected"], p["observed"], p["verdict"]]
                for p in shown
            ],
        )
    checks = [c for c in report["checks"] if show_all or c["verdict"] != "PASS"]
    if checks:
        out.table(
            "checks",
            ["target", "check", "expected", "observed", "verdict", "detail"],
            [
                [c["target"], c["check"], c["expected"], c["observed"], c["verdict"], c["detail"]]
                for c in checks
            ],
        )


@app.command("verify")
def verify_command(
    profile: ProfileOption = LOCAL_PARITY,
    run_id: FactRunOption = None,
    show_all: bool = typer.Option(
        False, "--all", metavar="", help="Print every probe and check, not only the non-passes."
    ),
    json_mode: JsonFlag = False,
) -> None:
    """Prove the posture with real calls under each role; exit 2 (POSTURE_VIOLATION) on any wrong outcome."""

    def body(out: Output) -> None:
        loaded = load_profile(profile)
        home = fp_home()
        with out.progress() as progress:
            task = progress.add_task("probes", total=None)
            result = verify_bootstrap(
                loaded,
                ports=BootstrapPorts(loaded),
                fp_home=home,
                clock=SystemClock(),
                run_id=run_id,
                say=out.info,
                on_probe=lambda done, total: progress.update(task, completed=done, total=total),
            )
        report = result.report
        if not json_mode:
            _render_posture(out, report, show_all)
        payload = {
            "profile": loaded.profile,
            "report_path": str(result.path),
            "report_digest": result.digest["hex"],
            "summary": report["summary"],
            "unsupported_locally": report["unsupported_locally"],
            "roles_with_violations": report["roles_with_violations"],
            "violations": report["violations"][:50],
            "evidence": report["evidence"],
        }
        if not result.ok:
            raise CheckFailed(POSTURE_VIOLATION, payload)
        out.result(payload)

    run_command(json_mode, body)
