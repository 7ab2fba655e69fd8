// Package gorillamuxtest tests adapters/gorillamuxmetrics against
// gorilla/mux routers: route names and templates as views, hostile traffic,
// panics and websockets. It lives in the test module so that the adapter's
// module requires nothing its users do not build. It has tests only.
package gorillamuxtest
