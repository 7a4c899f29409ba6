#!/usr/bin/env bash
# The main job on the example configuration. Until the milter lands, this signs the example message with the
# example (test-only) key and verifies it, exactly as a mail server would see it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product dkimctl
bin=.build/release/dkimctl
chmod 600 keys-example/keys/example.com/mail.private
$bin sign --domain example.com --selector mail --key keys-example/keys/example.com/mail.private \
  < keys-example/message.eml > /tmp/dkimctl-example-signed.eml
cat /tmp/dkimctl-example-signed.eml
echo "---- verify (key taken from keys-example/keys/example.com/mail.txt):"
$bin verify --public-key mail._domainkey.example.com=keys-example/keys/example.com/mail.txt \
  < /tmp/dkimctl-example-signed.eml
