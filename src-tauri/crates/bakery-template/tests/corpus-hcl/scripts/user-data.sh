#!/bin/sh
# stub user data for the HCL2 corpus
echo "booted" > /var/tmp/booted
