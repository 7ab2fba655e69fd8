module github.com/stackprom/stackprom/cmd/demo

go 1.26.0

require (
	github.com/bradfitz/gomemcache v0.0.0-20260422231931-4d751bb6e37c
	github.com/go-sql-driver/mysql v1.10.1
	github.com/jackc/pgx/v5 v5.12.0
	github.com/maypok86/otter/v2 v2.4.0
	github.com/pressly/goose/v3 v3.30.0
	github.com/prometheus/client_golang v1.25.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/stackprom/stackprom v0.1.0
	github.com/stackprom/stackprom/adapters/goosemetrics v0.1.0
	github.com/stackprom/stackprom/adapters/memcachemetrics v0.1.0
	github.com/stackprom/stackprom/adapters/ottermetrics v0.1.0
	github.com/stackprom/stackprom/adapters/redismetrics v0.1.0
	modernc.org/sqlite v1.62.0
)

require (
	github.com/grafana/grafana-foundation-sdk/go v0.0.22 // indirect
	github.com/mfridman/interpolate v0.0.2 // indirect
	github.com/redis/go-redis/extra/redisprometheus/v9 v9.22.0 // indirect
	github.com/sethvargo/go-retry v0.5.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/kylelemons/godebug v1.1.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/prometheus/client_model v0.6.3 // indirect
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.23.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	github.com/stackprom/stackprom/cmd/stackprom-ops v0.1.0
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	modernc.org/libc v1.80.2 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
)

replace github.com/stackprom/stackprom => ../..

replace github.com/stackprom/stackprom/adapters/redismetrics => ../../adapters/redismetrics

replace github.com/stackprom/stackprom/adapters/memcachemetrics => ../../adapters/memcachemetrics

replace github.com/stackprom/stackprom/adapters/ottermetrics => ../../adapters/ottermetrics

replace github.com/stackprom/stackprom/adapters/goosemetrics => ../../adapters/goosemetrics

replace github.com/stackprom/stackprom/cmd/stackprom-ops => ../stackprom-ops
