// Package schema is the single definition of every metric family stackprom
// exposes: both preset names, type, labels, help text and bucket kind. The
// README's metric table is checked against it by a test in the root package.
package schema

// Kind is a family's metric type.
type Kind uint8

// The metric types stackprom uses.
const (
	Counter Kind = iota
	Gauge
	Histogram
)

// String returns the Prometheus type name.
func (k Kind) String() string {
	switch k {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Histogram:
		return "histogram"
	}
	return "unknown"
}

// BucketKind says which default buckets a histogram takes.
type BucketKind uint8

// Bucket kinds.
const (
	NoBuckets BucketKind = iota
	LatencyBuckets
	SizeBuckets
	CacheBuckets // finer than LatencyBuckets: a healthy cache answers in well under 10 ms
)

// Family is one metric family.
type Family struct {
	Name      string // default-preset name; also the family's key
	Django    string // django-preset name; empty means "django_" + Name
	Kind      Kind
	Labels    []string
	Help      string // django-prometheus's help text where it has the family
	HelpNew   string // the default preset's help text, where it differs
	Buckets   BucketKind
	Component string // http, db, cache, model, migration
	Django0   bool   // exists in django-prometheus
}

// DjangoName is the family's name in the django preset.
func (f *Family) DjangoName() string {
	if f.Django != "" {
		return f.Django
	}
	return "django_" + f.Name
}

// Names of the families, for the components' code.
const (
	HTTPRequestsBefore         = "http_requests_before_middlewares_total"
	HTTPResponsesBefore        = "http_responses_before_middlewares_total"
	HTTPLatencyBefore          = "http_requests_latency_including_middlewares_seconds"
	HTTPUnknownLatencyBefore   = "http_requests_unknown_latency_including_middlewares_total"
	HTTPInFlight               = "http_requests_in_flight"
	HTTPRequestsByMethod       = "http_requests_by_method_total"
	HTTPRequestsByTransport    = "http_requests_by_transport_total"
	HTTPAjax                   = "http_ajax_requests_total"
	HTTPRequestBody            = "http_requests_body_bytes"
	HTTPRequestsByView         = "http_requests_by_view_transport_method_total"
	HTTPResponsesByTemplate    = "http_responses_by_templatename_total"
	HTTPResponsesByStatus      = "http_responses_by_status_total"
	HTTPResponsesByStatusView  = "http_responses_by_status_view_method_total"
	HTTPResponseBody           = "http_responses_body_bytes"
	HTTPResponsesByCharset     = "http_responses_by_charset_total"
	HTTPResponsesStreaming     = "http_responses_streaming_total"
	HTTPLatencyByView          = "http_requests_latency_by_view_method_seconds"
	HTTPUnknownLatency         = "http_requests_unknown_latency_total"
	HTTPExceptionsByType       = "http_exceptions_by_type_total"
	HTTPExceptionsByView       = "http_exceptions_by_view_total"
	HTTPAbortsByView           = "http_aborts_by_view_total"
	DBNewConnections           = "db_new_connections_total"
	DBNewConnectionErrors      = "db_new_connection_errors_total"
	DBExecute                  = "db_execute_total"
	DBExecuteMany              = "db_execute_many_total"
	DBErrors                   = "db_errors_total"
	DBQueryDuration            = "db_query_duration_seconds"
	CacheGet                   = "cache_get_total"
	CacheGetHits               = "cache_get_hits_total"
	CacheGetMisses             = "cache_get_misses_total"
	CacheGetFail               = "cache_get_fail_total"
	CacheSet                   = "cache_set_total"
	CacheSetFail               = "cache_set_fail_total"
	CacheDelete                = "cache_delete_total"
	CacheDeleteFail            = "cache_delete_fail_total"
	CacheDuration              = "cache_operation_duration_seconds"
	ModelInserts               = "model_inserts_total"
	ModelUpdates               = "model_updates_total"
	ModelDeletes               = "model_deletes_total"
	MigrationsApplied          = "migrations_applied"
	MigrationsUnapplied        = "migrations_unapplied"
	ModelQueries               = "model_queries_total"
	MigrationsDirty            = "migrations_dirty"
	MigrationsVersion          = "migrations_version"
	MigrationsScrapeErrors     = "migrations_scrape_errors_total"
	MigrationsLastSuccess      = "migrations_last_success_timestamp_seconds"
	MigrationsRunDuration      = "migrations_run_duration_seconds"
	unknownLatencyBeforeDjango = "django_http_requests_unknown_latency_including_middlewares_total"
)

// All lists every family, in the order of the README's metric table.
var All = []Family{
	// HTTP, set by Before.
	{Name: HTTPRequestsBefore, Kind: Counter, Component: "http", Django0: true,
		Help: "Total count of requests before middlewares run."},
	{Name: HTTPResponsesBefore, Kind: Counter, Component: "http", Django0: true,
		Help: "Total count of responses before middlewares run."},
	{Name: HTTPLatencyBefore, Kind: Histogram, Buckets: LatencyBuckets, Component: "http", Django0: true,
		Help: "Histogram of requests processing time (including middleware processing time)."},
	{Name: HTTPUnknownLatencyBefore, Django: unknownLatencyBeforeDjango, Kind: Counter, Component: "http", Django0: true,
		Help:    "Count of requests for which the latency was unknown (when computing django_http_requests_latency_including_middlewares_seconds).",
		HelpNew: "Count of requests for which the latency was unknown (when computing http_requests_latency_including_middlewares_seconds)."},
	{Name: HTTPInFlight, Kind: Gauge, Component: "http",
		Help: "Number of requests being served, counted from the outermost middleware."},

	// HTTP, set by After.
	{Name: HTTPRequestsByMethod, Django: "django_http_requests_total_by_method_total", Kind: Counter,
		Labels: []string{"method"}, Component: "http", Django0: true,
		Help: "Count of requests by method."},
	{Name: HTTPRequestsByTransport, Django: "django_http_requests_total_by_transport_total", Kind: Counter,
		Labels: []string{"transport"}, Component: "http", Django0: true,
		Help: "Count of requests by transport."},
	{Name: HTTPAjax, Kind: Counter, Component: "http", Django0: true,
		Help: "Count of AJAX requests."},
	{Name: HTTPRequestBody, Django: "django_http_requests_body_total_bytes", Kind: Histogram, Buckets: SizeBuckets,
		Component: "http", Django0: true,
		Help: "Histogram of requests by body size."},
	{Name: HTTPRequestsByView, Django: "django_http_requests_total_by_view_transport_method_total", Kind: Counter,
		Labels: []string{"view", "transport", "method"}, Component: "http", Django0: true,
		Help: "Count of requests by view, transport, method."},
	{Name: HTTPResponsesByTemplate, Django: "django_http_responses_total_by_templatename_total", Kind: Counter,
		Labels: []string{"templatename"}, Component: "http", Django0: true,
		Help: "Count of responses by template name."},
	{Name: HTTPResponsesByStatus, Django: "django_http_responses_total_by_status_total", Kind: Counter,
		Labels: []string{"status"}, Component: "http", Django0: true,
		Help: "Count of responses by status."},
	{Name: HTTPResponsesByStatusView, Django: "django_http_responses_total_by_status_view_method_total", Kind: Counter,
		Labels: []string{"status", "view", "method"}, Component: "http", Django0: true,
		Help: "Count of responses by status, view, method."},
	{Name: HTTPResponseBody, Django: "django_http_responses_body_total_bytes", Kind: Histogram, Buckets: SizeBuckets,
		Component: "http", Django0: true,
		Help: "Histogram of responses by body size."},
	{Name: HTTPResponsesByCharset, Django: "django_http_responses_total_by_charset_total", Kind: Counter,
		Labels: []string{"charset"}, Component: "http", Django0: true,
		Help: "Count of responses by charset."},
	{Name: HTTPResponsesStreaming, Kind: Counter, Component: "http", Django0: true,
		Help: "Count of streaming responses."},
	{Name: HTTPLatencyByView, Django: "django_http_requests_latency_seconds_by_view_method", Kind: Histogram,
		Buckets: LatencyBuckets, Labels: []string{"view", "method"}, Component: "http", Django0: true,
		Help: "Histogram of request processing time labelled by view."},
	{Name: HTTPUnknownLatency, Kind: Counter, Component: "http", Django0: true,
		Help: "Count of requests for which the latency was unknown."},
	{Name: HTTPExceptionsByType, Django: "django_http_exceptions_total_by_type_total", Kind: Counter,
		Labels: []string{"type"}, Component: "http", Django0: true,
		Help: "Count of exceptions by object type."},
	{Name: HTTPExceptionsByView, Django: "django_http_exceptions_total_by_view_total", Kind: Counter,
		Labels: []string{"view"}, Component: "http", Django0: true,
		Help: "Count of exceptions by view."},
	{Name: HTTPAbortsByView, Kind: Counter, Labels: []string{"view"}, Component: "http",
		Help: "Count of responses the handler aborted (http.ErrAbortHandler) by view."},

	// Database.
	{Name: DBNewConnections, Kind: Counter, Labels: []string{"alias", "vendor"}, Component: "db", Django0: true,
		Help: "Counter of created connections by database and by vendor."},
	{Name: DBNewConnectionErrors, Kind: Counter, Labels: []string{"alias", "vendor"}, Component: "db", Django0: true,
		Help: "Counter of connection failures by database and by vendor."},
	{Name: DBExecute, Kind: Counter, Labels: []string{"alias", "vendor"}, Component: "db", Django0: true,
		Help: "Counter of executed statements by database and by vendor, including bulk executions."},
	{Name: DBExecuteMany, Kind: Counter, Labels: []string{"alias", "vendor"}, Component: "db", Django0: true,
		Help: "Counter of executed statements in bulk operations by database and by vendor."},
	{Name: DBErrors, Kind: Counter, Labels: []string{"alias", "vendor", "type"}, Component: "db", Django0: true,
		Help: "Counter of execution errors by database, vendor and exception type."},
	{Name: DBQueryDuration, Kind: Histogram, Buckets: LatencyBuckets, Labels: []string{"alias", "vendor"},
		Component: "db", Django0: true,
		Help: "Histogram of query duration by database and vendor."},

	// Cache.
	{Name: CacheGet, Kind: Counter, Labels: []string{"backend"}, Component: "cache", Django0: true,
		Help: "Total get requests on cache"},
	{Name: CacheGetHits, Kind: Counter, Labels: []string{"backend"}, Component: "cache", Django0: true,
		Help: "Total hits on cache"},
	{Name: CacheGetMisses, Kind: Counter, Labels: []string{"backend"}, Component: "cache", Django0: true,
		Help: "Total misses on cache"},
	{Name: CacheGetFail, Kind: Counter, Labels: []string{"backend"}, Component: "cache", Django0: true,
		Help: "Total get request failures by cache"},
	{Name: CacheSet, Kind: Counter, Labels: []string{"backend"}, Component: "cache",
		Help: "Total set requests on cache"},
	{Name: CacheSetFail, Kind: Counter, Labels: []string{"backend"}, Component: "cache",
		Help: "Total set request failures by cache"},
	{Name: CacheDelete, Kind: Counter, Labels: []string{"backend"}, Component: "cache",
		Help: "Total delete requests on cache"},
	{Name: CacheDeleteFail, Kind: Counter, Labels: []string{"backend"}, Component: "cache",
		Help: "Total delete request failures by cache"},
	{Name: CacheDuration, Kind: Histogram, Buckets: CacheBuckets, Labels: []string{"backend", "operation"}, Component: "cache",
		Help: "Histogram of cache operation duration by backend and operation."},

	// Models.
	{Name: ModelInserts, Kind: Counter, Labels: []string{"model"}, Component: "model", Django0: true,
		Help: "Number of insert operations by model."},
	{Name: ModelUpdates, Kind: Counter, Labels: []string{"model"}, Component: "model", Django0: true,
		Help: "Number of update operations by model."},
	{Name: ModelDeletes, Kind: Counter, Labels: []string{"model"}, Component: "model", Django0: true,
		Help: "Number of delete operations by model."},
	{Name: ModelQueries, Kind: Counter, Labels: []string{"model"}, Component: "model",
		Help: "Number of query operations by model."},

	// Migrations.
	{Name: MigrationsApplied, Django: "django_migrations_applied_total", Kind: Gauge, Labels: []string{"connection"},
		Component: "migration", Django0: true,
		Help: "Count of applied migrations by database connection"},
	{Name: MigrationsUnapplied, Django: "django_migrations_unapplied_total", Kind: Gauge, Labels: []string{"connection"},
		Component: "migration", Django0: true,
		Help: "Count of unapplied migrations by database connection"},
	{Name: MigrationsDirty, Kind: Gauge, Labels: []string{"connection"}, Component: "migration",
		Help: "1 when a migration failed half-way on the database connection (the dirty flag), else 0."},
	{Name: MigrationsVersion, Kind: Gauge, Labels: []string{"connection"}, Component: "migration",
		Help: "Version of the last migration applied on the database connection, 0 when none is."},
	{Name: MigrationsScrapeErrors, Kind: Counter, Labels: []string{"connection"}, Component: "migration",
		Help: "Count of failed reads of the migration status by database connection."},
	{Name: MigrationsLastSuccess, Kind: Gauge, Labels: []string{"connection"}, Component: "migration",
		Help: "Unix time of the last successful read of the migration status by database connection, 0 before the first."},
	{Name: MigrationsRunDuration, Kind: Gauge, Labels: []string{"connection"}, Component: "migration",
		Help: "Duration of the last migration run on the database connection, pushed by the migration job."},
}

var byName = func() map[string]*Family {
	m := make(map[string]*Family, len(All))
	for i := range All {
		m[All[i].Name] = &All[i]
	}
	return m
}()

// Lookup returns the family with the given default-preset name.
func Lookup(name string) (*Family, bool) {
	f, ok := byName[name]
	return f, ok
}
