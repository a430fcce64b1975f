#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded on machines without internet.
# Prisma's CLI checks for the engine at start-up; `generate` never uses it. Migrations are applied by
# packages/db (see README, "Database migrations"), so any command that really needs the engine fails loudly here.
if [ "$1" = "--version" ]; then
  echo "schema-engine-cli 0.0.0 (netra stub: native engine not installed)"
  exit 0
fi
echo "native schema engine not installed: use 'npm run db:migrate' / 'npm run db:diff' (see README)" >&2
exit 1
