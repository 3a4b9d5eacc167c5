#!/bin/sh
# stub installer for the corpus
set -eu
