"""openssl: keys and certificates (keeps `cryptography` out of the runtime dependencies).

A CA, the kube-apiserver's serving certificate signed by it, and the RSA key that
service-account tokens are signed and verified with.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .errors import ControlPlaneError, ControlPlaneUnavailable

__all__ = ["generate_ca", "generate_rsa_key", "generate_serving_cert"]


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ControlPlaneUnavailable("`openssl` is not on PATH (needed for keys and certificates)")
    result = subprocess.run([openssl, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ControlPlaneError(f"openssl {' '.join(args)} failed: {result.stderr.strip()}")


def generate_ca(directory: Path, name: str = "lscsde-test-ca") -> tuple[Path, Path]:
    """A self-signed CA (EC P-256, valid 2 days) as ``(cert, key)`` in ``directory``."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    return cert, key


def generate_serving_cert(directory: Path, ca_cert: Path, ca_key: Path) -> tuple[Path, Path]:
    """A serving certificate for 127.0.0.1 and localhost signed by the CA, as ``(cert, key)``."""
    cert, key, csr = directory / "serving.crt", directory / "serving.key", directory / "serving.csr"
    ext = directory / "serving.ext"
    ext.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n",
        encoding="utf-8",
    )
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(cert),
        cwd=directory,
    )  # fmt: skip
    return cert, key


def generate_rsa_key(path: Path) -> Path:
    """A 2048-bit RSA private key at ``path`` (service-account tokens are signed with it)."""
    _openssl(
        "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(path),
        cwd=path.parent,
    )  # fmt: skip
    return path
