#!/bin/sh
# stub for the HCL2 corpus
set -eu
