#!/bin/sh
# How the files of this case were made (run from anywhere).
set -eu
cd "$(dirname "$0")"
# A folder given as the panel (git keeps it through the file inside).
mkdir -p panel && : > panel/.keep
