#!/bin/sh
# Stub: the corpus checks that scripts exist, not what they do.
set -eu
echo "provision"
