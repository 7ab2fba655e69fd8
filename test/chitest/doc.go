// Package chitest tests adapters/chimetrics against chi routers: route
// templates as views, mounted sub-routers, hostile traffic, panics,
// websockets and streaming. It lives in the test module so that the
// adapter's module requires nothing its users do not build. It has tests
// only.
package chitest
