package stackprom

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/push"

	"github.com/stackprom/stackprom/internal/config"
)

// WithGrouping adds a label to the grouping key of Push and PushAdd, such as
// instance; the job is always part of it.
func WithGrouping(name, value string) PushOption {
	return config.PushFunc(func(c *config.Config) {
		if c.Export.Grouping == nil {
			c.Export.Grouping = map[string]string{}
		}
		c.Export.Grouping[name] = value
	})
}

// Push sends what the gatherer holds (see WithGatherer) to the Pushgateway at
// url for job, replacing every metric of that job and grouping key, as a
// batch job does when it ends. It uses client_golang's push package; the
// credentials of WithBasicAuth or WithBearerToken are sent (the token when
// both are set). ctx bounds the whole exchange; errors name the job.
func Push(ctx context.Context, url, job string, opts ...PushOption) error {
	p, err := newPusher(url, job, opts)
	if err != nil {
		return err
	}
	return pushError(job, p.PushContext(ctx))
}

// PushAdd is Push that replaces only the families it sends, leaving the
// group's other families on the Pushgateway.
func PushAdd(ctx context.Context, url, job string, opts ...PushOption) error {
	p, err := newPusher(url, job, opts)
	if err != nil {
		return err
	}
	return pushError(job, p.AddContext(ctx))
}

// pushError names the package and job in an error of the push package.
func pushError(job string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("stackprom: pushing job %q: %w", job, err)
}

func newPusher(url, job string, opts []PushOption) (*push.Pusher, error) {
	c, err := config.New(opts)
	if err != nil {
		return nil, err
	}
	p := push.New(url, job).Gatherer(c.GathererOrDefault())
	for k, v := range c.Export.Grouping {
		p = p.Grouping(k, v)
	}
	switch {
	case c.Export.BearerToken != "":
		p = p.Header(http.Header{"Authorization": {"Bearer " + c.Export.BearerToken}})
	case c.Export.BasicUser != "":
		p = p.BasicAuth(c.Export.BasicUser, c.Export.BasicPassword)
	}
	return p, nil
}
