// Package livetest tests the live page (stackprom.NewLiveHandler): its
// rates and quantiles against Prometheus's own query engine, and the page
// in a real browser, headless Chromium driven through the DevTools
// protocol, loaded from the demo under a known load.
package livetest
