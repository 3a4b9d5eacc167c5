#!/usr/bin/env python3
"""AMI Bakery local AWS sandbox supervisor.

Runs moto (EC2 emulator) in-process on 127.0.0.1 and a private sshd that stands
in for every instance moto launches. Prints exactly one JSON line on stdout:

    {"ready": true, "endpoint": "http://127.0.0.1:PORT", "ssh_port": N,
     "pid": PID, "sshd_pid": PID, "workdir": DIR}
or
    {"ready": false, "error": "..."}          (then exits 1)

Stops cleanly (exit 0) on SIGTERM, SIGINT, SIGHUP, or when the parent dies.
See README.md next to this file.

Only the standard library is used before moto is imported; the files
sandbox.py and amis.json must sit in the same directory.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
AMIS_PATH = os.path.join(HERE, "amis.json")
SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "/usr/bin/ssh-keygen"
CURL = "/usr/bin/curl"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"

# Requests carrying this header are served normally but never recorded
# (used by the supervisor's own readiness probe).
INTERNAL_HEADER = "X-Bakery-Sandbox-Internal"
# moto routes a raw HTTP call to EC2 only if it carries a SigV4-looking header.
AUTH_HEADER = (
    "AWS4-HMAC-SHA256 Credential=sandbox/20260101/{region}/ec2/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
KEYS_PATH = "/_sandbox/authorized-keys"
HEALTH_PATH = "/_sandbox/health"

STARTUP_TIMEOUT = 30.0
POLL_INTERVAL = 0.3

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

# --------------------------------------------------------------------------
# stdout discipline: the ready line is the only thing ever written to the
# real stdout. Everything else that might write to fd 1 (libraries, children)
# is redirected to stderr.
# --------------------------------------------------------------------------
_REAL_STDOUT = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)

_LOG_FILE = None  # opened once the workdir is known


def log(msg: str) -> None:
    now = time.time()
    line = f"[sandbox {time.strftime('%H:%M:%S', time.localtime(now))}.{int(now % 1 * 1000):03d}] {msg}\n"
    for stream in (sys.stderr, _LOG_FILE):
        if stream is None:
            continue
        try:
            stream.write(line)
            stream.flush()
        except (OSError, ValueError):
            pass  # e.g. the parent (reader of our stderr) is gone


def emit(obj: dict) -> None:
    try:
        _REAL_STDOUT.write(json.dumps(obj) + "\n")
        _REAL_STDOUT.flush()
    except (OSError, ValueError):
        pass


class StartupError(Exception):
    pass


STOP = threading.Event()
STOP_REASON = [""]


def request_stop(reason: str) -> None:
    if not STOP.is_set():
        STOP_REASON[0] = reason
    STOP.set()


def on_signal(signum, _frame):  # type: ignore[no-untyped-def]
    request_stop(signal.Signals(signum).name)


CHILD_EXITED = threading.Event()


def on_sigchld(_signum, _frame):  # type: ignore[no-untyped-def]
    CHILD_EXITED.set()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        # a bad command line is a startup failure like any other
        log(f"usage error: {message}")
        emit({"ready": False, "error": f"usage: {message}"})
        os._exit(1)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(
        prog="sandbox.py", description="AMI Bakery local AWS sandbox (moto + sshd)"
    )
    p.add_argument("--workdir", required=True, help="directory for keys, config, logs")
    p.add_argument("--port", type=int, default=0, help="moto port on 127.0.0.1 (0 = free port)")
    p.add_argument("--ssh-port", type=int, default=0, help="sshd port on 127.0.0.1 (0 = free port)")
    p.add_argument("--latency", type=float, default=0.0,
                   help="seconds instances/AMIs stay in transitional states (0 = instant, moto default)")
    p.add_argument("--record", default=None, help="record every API request to this file (JSON lines)")
    p.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    a = p.parse_args(argv)
    if a.latency < 0:
        p.error("--latency must be >= 0")
    for name in ("port", "ssh_port"):
        v = getattr(a, name)
        if not 0 <= v <= 65535:
            p.error(f"--{name.replace('_', '-')} must be in 0..65535")
    return a


# --------------------------------------------------------------------------
# Process helpers (Linux /proc based)
# --------------------------------------------------------------------------
_libc = None


def prctl(option: int, arg: int) -> bool:
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        return _libc.prctl(option, arg, 0, 0, 0) == 0
    except Exception:
        return False


def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, ppid) of a process, or None if it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    except OSError:
        return None
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[1])


def process_alive(pid: int) -> bool:
    st = proc_stat(pid)
    if st is None:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return st[0] not in ("Z", "X")


def all_ppids() -> dict[int, int]:
    out: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st is not None:
            out[int(name)] = st[1]
    return out


def descendants(root: int) -> list[int]:
    ppids = all_ppids()
    children: dict[int, list[int]] = {}
    for pid, ppid in ppids.items():
        children.setdefault(ppid, []).append(pid)
    result: list[int] = []
    todo = [root]
    while todo:
        cur = todo.pop()
        for c in children.get(cur, []):
            result.append(c)
            todo.append(c)
    return result


def reap_zombie_children(skip: set[int]) -> None:
    """We are a child subreaper: collect exited orphans adopted from sshd."""
    me = os.getpid()
    for pid in descendants(me):
        if pid in skip:
            continue
        st = proc_stat(pid)
        if st and st[1] == me and st[0] == "Z":
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# moto patches
# --------------------------------------------------------------------------
def patch_catalogue() -> None:
    """Keep the owner alias written in amis.json.

    moto's AmiBackend._load_amis() forces owner_alias="amazon" on every entry of
    MOTO_AMIS_PATH, so Owners=["amazon"] would also return Canonical and Debian
    images. We restore the alias from the file (null = no alias, like real
    Canonical/Debian images) and add EnaSupport/PlatformDetails/UsageOperation.
    The patch is on the class, so it also applies to backends re-created after
    POST /moto-api/reset and to every region/account created lazily.
    """
    from moto.ec2.models.amis import AmiBackend

    with open(AMIS_PATH, encoding="utf-8") as f:
        catalogue = json.load(f)
    aliases = {e["ami_id"]: e.get("owner_alias") for e in catalogue}
    original = AmiBackend._load_amis

    def _load_amis(self):  # type: ignore[no-untyped-def]
        original(self)
        for ami_id, alias in aliases.items():
            ami = self.amis.get(ami_id)
            if ami is None:
                continue
            ami.owner_alias = alias
            ami.ena_support = True
            ami.platform_details = "Linux/UNIX"
            ami.usage_operation = "RunInstances"

    AmiBackend._load_amis = _load_amis


def patch_recorder() -> None:
    """Record only AWS API calls made by clients.

    Skipped: the supervisor's own requests (marked by INTERNAL_HEADER) and moto's
    admin API (/moto-api/..., e.g. reset); moto itself records /moto-api/reset.
    (/_sandbox/* never reaches moto, so it is never recorded either.)
    """
    from moto.moto_api._internal.recorder.models import Recorder

    original = Recorder._record_request

    def _record_request(self, request, body=None):  # type: ignore[no-untyped-def]
        try:
            if request.headers.get(INTERNAL_HEADER):
                return None
            if (getattr(request, "path", "") or "").startswith("/moto-api/"):
                return None
        except Exception:
            pass
        return original(self, request, body)

    Recorder._record_request = _record_request


def patch_latency(seconds: float) -> None:
    """Give EC2 realistic timing.

    Instances: moto's Instance keeps its state in an InstanceState object whose
    .name/.code it assigns (in Instance.__init__, start, stop, terminate,
    reboot). We turn name/code into properties: assigning a new target state
    opens a window of `seconds` during which the transitional state is reported:
        running    <- pending       (RunInstances, StartInstances)
        stopped    <- stopping      (StopInstances)
        terminated <- shutting-down (TerminateInstances)
    Everything reading the state (DescribeInstances, instance-state-name filter,
    DescribeInstanceStatus, PreviousState in Stop/Terminate answers) sees it.

    AMIs: Ami.state becomes a property; images made by CreateImage / CopyImage
    report "pending" for `seconds`, then whatever state is stored ("available").
    """
    from moto.ec2.models import amis as amis_mod
    from moto.ec2.models import instances as inst_mod

    IS = inst_mod.InstanceState
    transient = {"running": ("pending", 0), "stopped": ("stopping", 64),
                 "terminated": ("shutting-down", 32)}

    IS._sbx_name = "pending"
    IS._sbx_code = 0
    IS._sbx_until = 0.0
    IS._sbx_transient = ("pending", 0)

    def _active(self) -> bool:
        return time.monotonic() < self._sbx_until

    def get_name(self):  # type: ignore[no-untyped-def]
        return self._sbx_transient[0] if _active(self) else self._sbx_name

    def set_name(self, value):  # type: ignore[no-untyped-def]
        previous = self.__dict__.get("_sbx_name")
        if value != previous:
            if value in transient:
                self._sbx_transient = transient[value]
                self._sbx_until = time.monotonic() + seconds
            else:
                self._sbx_until = 0.0
        self._sbx_name = value

    def get_code(self):  # type: ignore[no-untyped-def]
        return self._sbx_transient[1] if _active(self) else self._sbx_code

    def set_code(self, value):  # type: ignore[no-untyped-def]
        self._sbx_code = value

    def copy_(self):  # type: ignore[no-untyped-def]
        # moto copies the state as "PreviousState" before changing it: freeze it.
        snap = IS.__new__(IS)
        snap.__dict__.update(_sbx_name=self.name, _sbx_code=self.code, _sbx_until=0.0)
        return snap

    IS.name = property(get_name, set_name)
    IS.code = property(get_code, set_code)
    IS.__copy__ = copy_

    Ami = amis_mod.Ami
    AmiBackend = amis_mod.AmiBackend

    def get_state(self):  # type: ignore[no-untyped-def]
        st = self.__dict__.get("_sbx_state", "available")
        if st == "available" and time.monotonic() < self.__dict__.get("_sbx_pending_until", 0.0):
            return "pending"
        return st

    def set_state(self, value):  # type: ignore[no-untyped-def]
        self.__dict__["_sbx_state"] = value

    Ami.state = property(get_state, set_state)

    def delayed(original):  # type: ignore[no-untyped-def]
        def wrapper(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            ami = original(self, *args, **kwargs)
            ami.__dict__["_sbx_pending_until"] = time.monotonic() + seconds
            return ami
        wrapper.__name__ = original.__name__
        return wrapper

    AmiBackend.create_image = delayed(AmiBackend.create_image)
    AmiBackend.copy_image = delayed(AmiBackend.copy_image)


def collect_public_keys() -> list[str]:
    """Public keys of every key pair in every account/region moto has created."""
    from cryptography.hazmat.primitives import serialization
    from moto.ec2.models import ec2_backends
    from moto.ec2.utils import public_key_parse

    for _ in range(5):
        try:
            pairs = [
                kp
                for _acct, _region, backend in list(ec2_backends.iter_backends())
                for kp in list(getattr(backend, "key_pairs", {}).values())
            ]
            break
        except RuntimeError:  # dict changed size during iteration
            time.sleep(0.01)
    else:
        pairs = []
    keys: list[str] = []
    for kp in pairs:
        raw = kp.material_public
        try:
            line = public_key_parse(raw).public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            ).decode()
        except Exception:
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            line = text.strip().splitlines()[0] if text.strip() else ""
        if line:
            line = f"{line} {kp.key_name}".replace("\n", " ")
            if line not in keys:
                keys.append(line)
    return keys


def wrap_app(moto_app):  # type: ignore[no-untyped-def]
    """WSGI middleware: /_sandbox/* is answered here, everything else by moto."""

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            if path == KEYS_PATH:
                try:
                    body = "".join(k + "\n" for k in collect_public_keys()).encode()
                    status = "200 OK"
                except Exception as e:  # pragma: no cover
                    body, status = f"error: {e}\n".encode(), "500 Internal Server Error"
            elif path == HEALTH_PATH:
                body, status = b"ok\n", "200 OK"
            else:
                body, status = b"not found\n", "404 Not Found"
            start_response(status, [("Content-Type", "text/plain"),
                                    ("Content-Length", str(len(body)))])
            return [body]
        return moto_app(environ, start_response)

    return app


# --------------------------------------------------------------------------
# sshd
# --------------------------------------------------------------------------
def write_sshd_files(workdir: str, ssh_port: int, moto_port: int) -> str:
    host_key = os.path.join(workdir, "ssh_host_ed25519_key")
    if not (os.path.exists(host_key) and os.path.exists(host_key + ".pub")):
        for p in (host_key, host_key + ".pub"):
            if os.path.exists(p):
                os.unlink(p)
        r = subprocess.run(
            [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "ami-bakery-sandbox-host",
             "-f", host_key],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
        )
        if r.returncode != 0:
            raise StartupError(f"ssh-keygen failed: {r.stderr.strip()}")
    os.chmod(host_key, 0o600)

    keys_url = f"http://127.0.0.1:{moto_port}{KEYS_PATH}"
    # Debug helper with exactly what sshd runs (sshd calls curl directly, so that
    # user `nobody` never has to read anything inside the workdir, which is
    # usually a 0700 temp dir).
    script = os.path.join(workdir, "authorized-keys.sh")
    with open(script, "w", encoding="utf-8") as f:
        f.write(
            "#!/bin/sh\n"
            "# Prints the public key of every key pair moto knows (all accounts, all regions).\n"
            f"exec {CURL} -q -sS --fail --max-time 5 --noproxy 127.0.0.1 {keys_url}\n"
        )
    os.chmod(script, 0o755)

    config = os.path.join(workdir, "sshd_config")
    with open(config, "w", encoding="utf-8") as f:
        f.write(
            f"Port {ssh_port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {host_key}\n"
            f"PidFile {os.path.join(workdir, 'sshd.pid')}\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "StrictModes no\n"
            "UsePAM no\n"
            "PrintMotd no\n"
            "UseDNS no\n"
            f"Subsystem sftp {SFTP_SERVER}\n"
            # Only key pairs known to moto may log in, like a real instance.
            "AuthorizedKeysFile none\n"
            f"AuthorizedKeysCommand {CURL} -q -sS --fail --max-time 5 --noproxy 127.0.0.1 {keys_url}\n"
            "AuthorizedKeysCommandUser nobody\n"
        )
    return config


def _sshd_preexec() -> None:
    # If the supervisor is SIGKILLed, the kernel sends sshd SIGTERM.
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_sshd(workdir: str, config: str, ssh_port: int) -> subprocess.Popen:
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    log_path = os.path.join(workdir, "sshd.log")
    logf = open(log_path, "ab")
    try:
        proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", config],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
            preexec_fn=_sshd_preexec,
            start_new_session=True,  # a terminal's Ctrl-C reaches only the supervisor
            close_fds=True,
        )
    finally:
        logf.close()
    return proc


def read_from(path: str, offset: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def tail(path: str, n: int = 5) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return " | ".join(l.strip() for l in f.readlines()[-n:])
    except OSError:
        return ""


# --------------------------------------------------------------------------
# Supervisor
# --------------------------------------------------------------------------
class Supervisor:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.workdir = os.path.abspath(args.workdir)
        self.stop_event = STOP
        self.server = None
        self.server_thread: threading.Thread | None = None
        self.sshd: subprocess.Popen | None = None
        self.moto_port = 0
        self.ssh_port = 0
        self.initial_ppid = os.getppid()

    # -- signals / parent --------------------------------------------------
    def parent_gone(self) -> str | None:
        if self.initial_ppid != 1 and os.getppid() != self.initial_ppid:
            return f"parent process {self.initial_ppid} exited"
        pp = self.args.parent_pid
        if pp is not None and not process_alive(pp):
            return f"--parent-pid {pp} exited"
        return None

    def check_abort(self) -> None:
        if self.stop_event.is_set():
            raise StartupError(f"stopped by {STOP_REASON[0]} during startup")
        reason = self.parent_gone()
        if reason:
            raise StartupError(reason + " during startup")

    # -- startup -----------------------------------------------------------
    def setup_env(self) -> None:
        if not os.path.isfile(AMIS_PATH):
            raise StartupError(f"catalogue not found: {AMIS_PATH}")
        env = os.environ
        env["MOTO_ENABLE_AMI_VALIDATION"] = "1"
        env["MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION"] = "1"
        env["MOTO_ENABLE_KEYPAIR_VALIDATION"] = "1"
        env["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        env["MOTO_AMIS_PATH"] = AMIS_PATH
        env.pop("MOTO_ENABLE_RECORDING", None)  # bool("0") is True in moto: never inherit
        env.pop("MOTO_RECORDER_FILEPATH", None)
        if self.args.record:
            record = os.path.abspath(self.args.record)
            os.makedirs(os.path.dirname(record), exist_ok=True)
            open(record, "w").close()  # start with an empty recording
            env["MOTO_ENABLE_RECORDING"] = "1"
            env["MOTO_RECORDER_FILEPATH"] = record
        # moto's request threads and our probe must never go through a proxy
        for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(k, None)

    def setup_logging(self) -> None:
        import logging

        moto_log = logging.FileHandler(os.path.join(self.workdir, "moto.log"))
        moto_log.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        root = logging.getLogger()
        root.handlers[:] = [moto_log]
        root.setLevel(logging.INFO)
        wz = logging.getLogger("werkzeug")
        wz.handlers[:] = [moto_log]
        wz.setLevel(logging.INFO)
        wz.propagate = False

    def start_moto(self) -> None:
        t0 = time.monotonic()
        from werkzeug.serving import make_server

        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        import moto.ec2.models  # noqa: F401  (loads MOTO_AMIS_PATH)

        patch_catalogue()
        patch_recorder()
        if self.args.latency > 0:
            patch_latency(self.args.latency)
        log(f"moto imported and patched in {time.monotonic() - t0:.2f}s")

        app = wrap_app(DomainDispatcherApplication(create_backend_app))
        try:
            self.server = make_server("127.0.0.1", self.args.port, app, threaded=True,
                                      request_handler=MotoRequestHandler)
        except OSError as e:
            raise StartupError(f"cannot listen on 127.0.0.1:{self.args.port}: {e}")
        except SystemExit:
            # werkzeug prints "Address already in use" and calls sys.exit(1)
            raise StartupError(f"cannot listen on 127.0.0.1:{self.args.port}: address already in use")
        self.moto_port = self.server.server_port

    def serve(self) -> None:
        def run() -> None:
            try:
                self.server.serve_forever(poll_interval=0.1)
            except Exception as e:  # pragma: no cover
                log(f"moto server crashed: {e!r}")
                request_stop("moto server crash")

        self.server_thread = threading.Thread(target=run, name="moto", daemon=True)
        self.server_thread.start()

    def start_ssh(self) -> None:
        if not os.path.exists(SSHD):
            raise StartupError(f"{SSHD} not found (apt-get install openssh-server)")
        if not os.path.exists(CURL):
            raise StartupError(f"{CURL} not found (apt-get install curl)")
        attempts = 3 if self.args.ssh_port == 0 else 1
        log_path = os.path.join(self.workdir, "sshd.log")
        last_err = ""
        for _ in range(attempts):
            self.check_abort()
            port = self.args.ssh_port or free_port()
            config = write_sshd_files(self.workdir, port, self.moto_port)
            try:
                log_offset = os.path.getsize(log_path)
            except OSError:
                log_offset = 0
            self.sshd = start_sshd(self.workdir, config, port)
            listening = f"Server listening on 127.0.0.1 port {port}."
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.sshd.poll() is not None:
                    break
                # our sshd said it listens (not some other process on that port)
                # and the port accepts connections
                if listening in read_from(log_path, log_offset) and tcp_open(port):
                    self.ssh_port = port
                    return
                time.sleep(0.05)
            if self.sshd.poll() is None:
                self.kill_sshd()
                last_err = f"sshd did not open port {port} within 10 s"
            else:
                last_err = f"sshd exited with {self.sshd.returncode}: {tail(log_path)}"
            self.sshd = None
        raise StartupError(last_err)

    def wait_moto(self) -> None:
        body = b"Action=DescribeImages&Version=2016-11-15&Owner.1=amazon"
        url = f"http://127.0.0.1:{self.moto_port}/"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with open(AMIS_PATH, encoding="utf-8") as f:
            expected = next(e["ami_id"] for e in json.load(f) if e.get("owner_alias") == "amazon")
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last = ""
        while time.monotonic() < deadline:
            self.check_abort()
            req = urllib.request.Request(url, data=body, method="POST", headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": AUTH_HEADER.format(region="us-east-1"),
                INTERNAL_HEADER: "1",
            })
            try:
                with opener.open(req, timeout=10) as r:
                    text = r.read().decode("utf-8", "replace")
                if expected in text:
                    return
                last = "moto answered but the AMI catalogue is missing"
            except (urllib.error.URLError, OSError) as e:
                last = f"moto not answering: {e}"
            time.sleep(0.1)
        raise StartupError(last or "moto did not become ready")

    def start(self) -> None:
        t0 = time.monotonic()
        os.makedirs(self.workdir, exist_ok=True)
        global _LOG_FILE
        _LOG_FILE = open(os.path.join(self.workdir, "sandbox.log"), "a", buffering=1)
        self.setup_env()
        self.check_abort()
        self.setup_logging()
        self.start_moto()
        self.check_abort()
        # sshd is forked before the moto serving thread exists (preexec_fn safety)
        self.start_ssh()
        self.serve()
        self.wait_moto()
        log(f"ready in {time.monotonic() - t0:.2f}s: moto 127.0.0.1:{self.moto_port}, "
            f"sshd 127.0.0.1:{self.ssh_port} (pid {self.sshd.pid}), latency {self.args.latency}s")

    # -- shutdown ----------------------------------------------------------
    def kill_sshd(self) -> None:
        """Terminate sshd and every process below us (sessions, orphans)."""
        me = os.getpid()
        sshd_pid = self.sshd.pid if self.sshd else None
        for sig, grace in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 1.0)):
            pids = descendants(me)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                if self.sshd is not None:
                    self.sshd.poll()
                reap_zombie_children({sshd_pid} if sshd_pid else set())
                if not any(process_alive(p) for p in descendants(me)):
                    break
                time.sleep(0.02)
        if self.sshd is not None:
            try:
                self.sshd.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        reap_zombie_children({sshd_pid} if sshd_pid else set())

    def stop_moto(self) -> None:
        if self.server is not None:
            try:
                if self.server_thread is not None and self.server_thread.is_alive():
                    self.server.shutdown()
                self.server.server_close()
            except Exception as e:  # pragma: no cover
                log(f"moto shutdown: {e!r}")
        if self.server_thread is not None:
            self.server_thread.join(timeout=2)

    def cleanup(self) -> None:
        t0 = time.monotonic()
        self.kill_sshd()
        t1 = time.monotonic()
        self.stop_moto()
        log(f"cleanup: sshd and descendants {t1 - t0:.2f}s, moto {time.monotonic() - t1:.2f}s")

    # -- main loop ---------------------------------------------------------
    def run(self) -> int:
        sshd_pid = self.sshd.pid
        code = 0
        while True:
            if self.stop_event.wait(POLL_INTERVAL):
                log(f"stopping: {STOP_REASON[0]}")
                break
            reason = self.parent_gone()
            if reason:
                log(f"stopping: {reason}")
                break
            if self.sshd.poll() is not None:
                log(f"sshd (pid {sshd_pid}) exited with {self.sshd.returncode}: "
                    f"{tail(os.path.join(self.workdir, 'sshd.log'))}; stopping")
                code = 1
                break
            if CHILD_EXITED.is_set():
                CHILD_EXITED.clear()
                reap_zombie_children({sshd_pid})
        self.cleanup()
        log("stopped")
        return code


def main(argv: list[str]) -> int:
    # handlers first: a stop request during startup aborts the startup cleanly
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGCHLD, on_sigchld)
    args = parse_args(argv)
    sup = Supervisor(args)
    # Orphaned descendants of sshd (detached session processes) are re-parented
    # to us, so that nothing survives the sandbox.
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    try:
        sup.start()
    except BaseException as e:  # noqa: BLE001 - any startup failure is reported
        msg = str(e) if isinstance(e, StartupError) else f"{type(e).__name__}: {e}"
        log(f"startup failed: {msg}")
        emit({"ready": False, "error": msg})
        try:
            sup.cleanup()
        finally:
            return 1
    emit({
        "ready": True,
        "endpoint": f"http://127.0.0.1:{sup.moto_port}",
        "ssh_port": sup.ssh_port,
        "pid": os.getpid(),
        "sshd_pid": sup.sshd.pid,
        "workdir": sup.workdir,
    })
    return sup.run()


if __name__ == "__main__":
    rc = main(sys.argv[1:])
    try:
        sys.stderr.flush()
    except Exception:
        pass
    # os._exit: no interpreter teardown (daemon request threads, broken pipes
    # to a dead parent must not turn a clean stop into a non-zero status).
    os._exit(rc)
