// Package goosetest tests adapters/goosemetrics against goose migrations on
// SQLite, PostgreSQL and MariaDB. It lives in the test module so that the
// adapter's module requires nothing its users do not build. It has tests
// only.
package goosetest
