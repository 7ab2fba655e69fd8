// Package pgxtest tests adapters/pgxmetrics against a real PostgreSQL
// (STACKPROM_POSTGRES_ADDR): queries, batches, CopyFrom, errors, pool
// statistics and SQL-derived model counters. It lives in the test module so
// that the adapter's module requires nothing its users do not build. It has
// tests only.
package pgxtest
