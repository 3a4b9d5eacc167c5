#!/bin/sh
# Stub: copied onto the image, run on first boot.
echo "first run"
