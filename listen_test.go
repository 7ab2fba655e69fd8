package stackprom

import (
	"net"
	"testing"
)

// SetListen replaces net.Listen for the metrics server until the test
// ends, for the external tests of the package.
func SetListen(t testing.TB, f func(network, addr string) (net.Listener, error)) {
	t.Helper()
	old := listen
	listen = f
	t.Cleanup(func() { listen = old })
}
