// Package gintest tests adapters/ginmetrics against gin: FullPath as the
// view, hostile traffic, panics, templates and streaming. It lives in the
// test module so that the adapter's module requires nothing its users do
// not build. It has tests only.
package gintest
