module github.com/stackprom/stackprom/adapters/gorillamuxmetrics

go 1.26.0

require github.com/stackprom/stackprom v0.0.0

require github.com/gorilla/mux v1.8.1 // indirect

replace github.com/stackprom/stackprom => ../..
