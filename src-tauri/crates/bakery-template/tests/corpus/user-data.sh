#!/bin/sh
# stub user data for the corpus
