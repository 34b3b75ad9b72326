package cpe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/model"
)

// SimConfig configures a simulation of many CPEs in one process.
type SimConfig struct {
	Schema *model.Schema
	// Profile is every device's starting state; the schema's defaults if nil.
	Profile *DeviceProfile
	ACSURL  string
	Count   int
	// SerialPrefix + a zero-padded index is each device's serial number.
	SerialPrefix                    string
	Manufacturer, OUI, ProductClass string
	SoftwareVersion                 string
	Username, Password              string
	// Periodic is the periodic inform interval (0: the profile's).
	Periodic time.Duration
	// Sessions, when > 0, makes each CPE run that many sessions (the first
	// with 1 BOOT, the others 2 PERIODIC, Periodic apart) and stop.
	Sessions int
	// Concurrency bounds the sessions in flight (default 512).
	Concurrency int
	// ConnReq, when not nil, gives each CPE a connection-request server:
	// CPE i uses ConnReq[i % len(ConnReq)].
	ConnReq         []*ConnReqServer
	ConnReqPassword string
	// ConnReqInterval is each CPE's connection-request rate limit (see Config).
	ConnReqInterval time.Duration
	// AliasBasedAddressing makes every CPE support Alias-Based Addressing
	// (see Config).
	AliasBasedAddressing bool
	// STUNServer, when set, turns STUN on in every CPE (see
	// Config.STUNServer): each gets its own UDP connection-request socket
	// on 127.0.0.1.
	STUNServer string
	// Transport is shared by every CPE; a pooled loopback transport if nil.
	Transport http.RoundTripper
	// VoucherCerts, when not empty, are the trusted signers of option
	// vouchers: each CPE answers SetVouchers and GetOptions with a
	// VoucherOptions of its own identity. Without them both answer 9000.
	VoucherCerts []*x509.Certificate
	// Quirks are every CPE's (see Config.Quirks).
	Quirks Quirks
	Logf   func(format string, args ...any)
}

// SimStats are the counters of a running simulation; safe for concurrent use.
type SimStats struct {
	OK, Failed atomic.Int64
	Running    atomic.Int64 // CPEs started and not finished

	mu      sync.Mutex
	faults  map[string]int
	samples []time.Duration // session durations (a reservoir past maxSamples)
	seen    int64
	errs    map[string]int
}

const maxSamples = 200_000

func (s *SimStats) record(res SessionResult, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for code, n := range res.Faults {
		if s.faults == nil {
			s.faults = map[string]int{}
		}
		s.faults[fmt.Sprintf("%d (CPE)", code)] += n
	}
	if err != nil {
		s.Failed.Add(1)
		if s.errs == nil {
			s.errs = map[string]int{}
		}
		msg := err.Error()
		if len(msg) > 120 {
			msg = msg[:120]
		}
		s.errs[msg]++
		return
	}
	s.OK.Add(1)
	s.seen++
	if len(s.samples) < maxSamples {
		s.samples = append(s.samples, res.Duration)
	} else if j := rand.Int64N(s.seen); j < maxSamples {
		s.samples[j] = res.Duration
	}
}

// SimSummary is the outcome of a simulation.
type SimSummary struct {
	OK, Failed int64
	Elapsed    time.Duration
	Faults     map[string]int // CPE faults by code
	Errors     map[string]int // session errors by message
	P50, P99   time.Duration  // session latency
}

// Summary returns the figures so far.
func (s *SimStats) Summary(elapsed time.Duration) SimSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := SimSummary{OK: s.OK.Load(), Failed: s.Failed.Load(), Elapsed: elapsed, Faults: maps(s.faults), Errors: maps(s.errs)}
	if len(s.samples) > 0 {
		d := slices.Clone(s.samples)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		out.P50 = d[len(d)*50/100]
		out.P99 = d[min(len(d)-1, len(d)*99/100)]
	}
	return out
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// NewSimTransport returns an HTTP transport for n simulated CPEs talking
// to one ACS.
func NewSimTransport(n int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = n
	t.MaxIdleConnsPerHost = n
	t.IdleConnTimeout = 30 * time.Second
	return t
}

// RunSim runs the simulation until every CPE has run its sessions
// (Sessions > 0) or ctx is done.
func RunSim(ctx context.Context, cfg SimConfig, stats *SimStats) error {
	if cfg.Profile == nil {
		cfg.Profile = NewDeviceProfile(cfg.Schema)
	}
	cfg.Profile = SimProfile(cfg.Profile)
	cfg.Schema = cfg.Profile.Schema() // a dump's may hold more than the model
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 512
	}
	if cfg.Transport == nil {
		cfg.Transport = NewSimTransport(cfg.Concurrency)
	}
	if cfg.Profile.dump == nil { // a dump's device has an identity of its own
		if cfg.OUI == "" {
			cfg.OUI = "00D09E"
		}
		if cfg.ProductClass == "" {
			cfg.ProductClass = "dmforge-sim"
		}
		if cfg.Manufacturer == "" {
			cfg.Manufacturer = "dmforge"
		}
	}
	if cfg.SerialPrefix == "" {
		cfg.SerialPrefix = "SIM"
	}
	sem := make(chan struct{}, cfg.Concurrency)
	// Sessions beyond the concurrency bound wait their turn; the session
	// timer starts once a slot is free.
	sleep := func(ctx context.Context, d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	agents := make([]*Agent, cfg.Count)
	for i := range cfg.Count {
		serial := SimSerial(cfg.SerialPrefix, cfg.Count, i)
		c := Config{
			Schema: cfg.Schema, Store: NewMemStoreFrom(cfg.Profile), ACSURL: cfg.ACSURL,
			Username: cfg.Username, Password: cfg.Password,
			Manufacturer: cfg.Manufacturer, OUI: cfg.OUI, ProductClass: cfg.ProductClass, SerialNumber: serial,
			SoftwareVersion: cfg.SoftwareVersion, Transport: cfg.Transport, PeriodicInterval: cfg.Periodic,
			ConnReqUsername: serial, ConnReqPassword: cfg.ConnReqPassword, ConnReqInterval: cfg.ConnReqInterval, Logf: cfg.Logf,
			AliasBasedAddressing: cfg.AliasBasedAddressing, STUNServer: cfg.STUNServer, Quirks: cfg.Quirks,
		}
		if len(cfg.VoucherCerts) > 0 {
			c.Options = &VoucherOptions{
				Trusted:      cfg.VoucherCerts,
				Manufacturer: cfg.Manufacturer, OUI: cfg.OUI, ProductClass: cfg.ProductClass, SerialNumber: serial,
			}
		}
		var crs *ConnReqServer
		if len(cfg.ConnReq) > 0 {
			crs = cfg.ConnReq[i%len(cfg.ConnReq)]
			c.ConnReqURL = crs.URL(serial)
		}
		a, err := New(c)
		if err != nil {
			return err
		}
		if crs != nil {
			crs.Register(a)
		}
		agents[i] = a
	}
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Add(1)
		stats.Running.Add(1)
		go func() {
			defer wg.Done()
			defer stats.Running.Add(-1)
			session := func(events ...string) (SessionResult, error) {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return SessionResult{}, ctx.Err()
				}
				defer func() { <-sem }()
				return a.RunSession(ctx, events...)
			}
			if cfg.Sessions > 0 {
				for k := range cfg.Sessions {
					ev := cwmp.EventPeriodic
					if k == 0 {
						ev = cwmp.EventBoot
					} else if cfg.Periodic > 0 && sleep(ctx, cfg.Periodic) != nil {
						return
					}
					res, err := session(ev)
					// A busy ACS answers 503 with Retry-After (TR-069
					// 3.7.1.5): the CPE tries again then, as real ones
					// do; the session counts once, with its outcome.
					for try := 0; try < maxBusyRetries && busy(err) > 0; try++ {
						if sleep(ctx, busy(err)) != nil {
							return
						}
						res, err = session(ev)
					}
					if ctx.Err() != nil {
						return
					}
					stats.record(res, err)
				}
				return
			}
			a.runWith(ctx, session, stats.record)
		}()
	}
	wg.Wait()
	return nil
}

// SimSerial is the serial number of CPE i of count with the given prefix:
// the prefix and the index, zero-padded to the width of the largest index.
func SimSerial(prefix string, count, i int) string {
	width := len(fmt.Sprint(count - 1))
	return fmt.Sprintf("%s%0*d", prefix, width, i)
}

// maxBusyRetries bounds how often a simulated CPE tries a session again
// after 503 Retry-After.
const maxBusyRetries = 20

// busy is the Retry-After of a 503 answer, or 0 for any other outcome.
func busy(err error) time.Duration {
	var he *cwmp.HTTPStatusError
	if errors.As(err, &he) && he.StatusCode == http.StatusServiceUnavailable {
		return he.RetryAfter
	}
	return 0
}
