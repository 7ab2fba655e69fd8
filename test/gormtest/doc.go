// Package gormtest tests adapters/gormmetrics against GORM on SQLite,
// PostgreSQL and MariaDB. It lives in the test module so that the adapter's
// module requires nothing its users do not build. It has tests only.
package gormtest
