"""The suite-wide secret check, run by ctest after every other integration test: no password,
API key, access token or passphrase that any module used appears in any output of any
module (droverd's logs, the tools' output, recorded reason strings).

Each module's harness writes what it saw and the secrets it used below its own
$DROVER_IT_ARTIFACTS folder (tests/integration/harness.py: record_output, used_secret);
ctest gives them all one parent folder, and this test reads every module's folder there.
Run alone (nothing recorded yet) it skips.
"""

import glob
import json
import os
import unittest

# Modules whose secrets must be seen when the whole suite ran: if one of them recorded no
# secret, the grep below would check nothing for it and pass for the wrong reason.
EXPECTED = ("15_tls", "16_tokens", "17_keys", "10_devices")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mask(secret):
    return "%s… (%d characters)" % (secret[:6], len(secret))


class SuiteSecretsTest(unittest.TestCase):

    def test_no_secret_of_any_module_in_any_output(self):
        root = os.environ.get("DROVER_IT_ARTIFACTS_ROOT")
        if not root or not glob.glob(os.path.join(root, "*", "*.jsonl")):
            self.skipTest("no recorded outputs: run with the other integration tests (ctest -L integration)")
        secrets = {}  # secret -> module that used it
        outputs = []  # (module, what, text)
        for module in sorted(os.listdir(root)):
            folder = os.path.join(root, module)
            for path in glob.glob(os.path.join(folder, "*-secrets.jsonl")):
                for secret in read_jsonl(path):
                    secrets.setdefault(secret, module)
            for path in glob.glob(os.path.join(folder, "*-outputs.jsonl")):
                for record in read_jsonl(path):
                    outputs.append((module, record["what"], record["text"]))
        modules_with_secrets = set(secrets.values())
        ran = set(os.listdir(root))
        for module in EXPECTED:
            if module in ran:
                self.assertIn(module, modules_with_secrets, "%s ran but recorded no secret" % module)
        self.assertTrue(any("droverd log" in what for _m, what, _t in outputs), "no droverd log recorded")
        leaks = []
        for module, what, text in outputs:
            for secret, owner in secrets.items():
                if secret in text:
                    leaks.append("%s (of %s) in %s: %s" % (mask(secret), owner, module, what))
        self.assertFalse(leaks, "secrets leaked:\n" + "\n".join(leaks))
        print("\nchecked %d secrets of %d modules against %d outputs (%d droverd logs, %.1f MB) of %d modules"
              % (len(secrets), len(modules_with_secrets), len(outputs),
                 sum(1 for _m, what, _t in outputs if "droverd log" in what),
                 sum(len(t) for _m, _w, t in outputs) / 1e6, len({m for m, _w, _t in outputs})))


if __name__ == "__main__":
    unittest.main()
