// Package release holds the release check of stackprom's public modules, the
// core at the repository root and every adapters/<name> module, which are
// tagged in lock-step at one version.
//
// TestRelease packs each public module at a commit exactly as the module
// proxy would serve its tag, then, outside the repository and without the
// workspace, has a fresh user module fetch it, import every package it
// exports and build. It fails when a user would meet a stackprom module that
// is never published (a test module, an internal one, a v0.0.0 placeholder)
// or would compile in the library of an integration other than the module's
// own: a chi user must not build GORM or a database driver.
//
// The check reaches the module proxy and takes minutes, so it runs only when
// asked; scripts/release.sh asks:
//
//	STACKPROM_RELEASE_CHECK=1 go test -count=1 -timeout 30m -v ./test/release
//
// STACKPROM_RELEASE_REV picks the commit to pack (default HEAD) and
// STACKPROM_RELEASE_VERSION the version expected (default: the one the
// adapters require the core at, v0.1.0 when none does). The other tests of
// the package check the check's parts and run offline in every test run.
package release
