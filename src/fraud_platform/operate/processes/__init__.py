"""Supervised child processes for the lane: declarative specs, readiness probes, a supervisor.

The lane describes IG and WSP as `ProcessSpec`s (command, role, explicit env, probe, restart policy,
deadlines) and hands them to a `Supervisor`, which starts them by PID, waits until each is ready,
restarts a dying one within its policy, and stops all of them (graceful, then forced) however the
lane ends. What happened is kept as `ProcessEvent`s for the run's evidence.
"""

from fraud_platform.operate.processes.logtail import log_tail
from fraud_platform.operate.processes.probes import AliveFor, HttpReady, PredicateReady, ReadinessProbe
from fraud_platform.operate.processes.record import ProcessEvent, ProcessEventKind
from fraud_platform.operate.processes.spec import Deadlines, ProcessSpec, RestartPolicy
from fraud_platform.operate.processes.supervisor import Supervisor

__all__ = [
    "AliveFor",
    "Deadlines",
    "HttpReady",
    "PredicateReady",
    "ProcessEvent",
    "ProcessEventKind",
    "ProcessSpec",
    "ReadinessProbe",
    "RestartPolicy",
    "Supervisor",
    "log_tail",
]
