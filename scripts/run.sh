#!/usr/bin/env bash
# The main job on the example configuration: the milter on inet:12301@localhost, as the setup guide's
# Postfix lines expect (smtpd_milters = inet:localhost:12301). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product dkimctl
# Git does not keep file modes; a key readable by others is refused (RequireSafeKeys).
chmod 600 keys-example/keys/example.com/mail.private
exec .build/release/dkimctl serve --config keys-example/opendkim.conf "$@"
