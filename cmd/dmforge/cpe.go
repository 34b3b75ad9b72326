package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dmforge/dmforge/cwmp"
	"github.com/dmforge/dmforge/cwmp/cpe"
	"github.com/dmforge/dmforge/cwmp/cpe/testacs"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr104 "github.com/dmforge/dmforge/generated/tr104/schema"
	tr135 "github.com/dmforge/dmforge/generated/tr135/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newCPECmd()) }

func newCPECmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cpe",
		Short: "Run simulated TR-069 CPEs against an ACS",
	}
	cmd.AddCommand(newCPESimCmd(), newCPERunCmd(), newCPETestACSCmd())
	return cmd
}

// cpeSchemas are the compiled-in models a CPE can run.
var cpeSchemas = []*model.Schema{tr181.Schema, tr098.Schema, tr104.Schema, tr135.Schema}

// cpeSchema finds a compiled-in model by name ("Device:2.19", "Device",
// "tr181", "InternetGatewayDevice:1.14", "tr098"...).
func cpeSchema(name string) (*model.Schema, error) {
	alias := map[string]*model.Schema{"tr181": tr181.Schema, "tr098": tr098.Schema, "tr104": tr104.Schema, "tr135": tr135.Schema, "igd": tr098.Schema}
	if s, ok := alias[strings.ToLower(name)]; ok {
		return s, nil
	}
	var names []string
	for _, s := range cpeSchemas {
		if s.Model == name || strings.SplitN(s.Model, ":", 2)[0] == name {
			return s, nil
		}
		names = append(names, s.Model)
	}
	return nil, fmt.Errorf("unknown model %q (compiled in: %s)", name, strings.Join(names, ", "))
}

// loadProfile reads a JSON parameter document or a GenieACS CSV dump and
// prints what contradicts the model on w.
func loadProfile(schema *model.Schema, file string, w io.Writer) (*cpe.DeviceProfile, error) {
	if file == "" {
		return cpe.NewDeviceProfile(schema), nil
	}
	if err := checkFile("--profile", file); err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var p *cpe.DeviceProfile
	var fs []cpe.Finding
	if strings.EqualFold(filepath.Ext(file), ".csv") {
		p, fs, err = cpe.LoadGenieCSV(schema, f)
	} else {
		var data []byte
		if data, err = io.ReadAll(io.LimitReader(f, cpe.MaxDumpSize)); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		var doc any
		if json.Unmarshal(data, &doc) == nil && isGenieJSON(doc) {
			p, fs, err = cpe.LoadGenieJSON(schema, bytes.NewReader(data))
		} else {
			p, fs, err = cpe.LoadJSON(schema, bytes.NewReader(data))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	vendor := 0
	for _, x := range fs {
		if x.Kind == "vendor" {
			vendor++ // a device's own parameters: expected, counted
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", file, x)
	}
	if n := len(fs) - vendor; n > 0 {
		fmt.Fprintf(w, "%s: %d contradictions with %s; the CPEs keep what the profile says\n", file, n, schema.Model)
	}
	if vendor > 0 {
		fmt.Fprintf(w, "%s: %d vendor objects and parameters (X_…) beyond %s, served as the dump has them\n", file, vendor, schema.Model)
	}
	return p, nil
}

// parseAddrRange reads "HOST:PORT" or "HOST:LOW-HIGH".
func parseAddrRange(s string) (host string, low, high int, err error) {
	host, ports, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, 0, fmt.Errorf("--conn-req-addr %q: %w", s, err)
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	if low, err = strconv.Atoi(lo); err != nil {
		return "", 0, 0, fmt.Errorf("--conn-req-addr %q: bad port", s)
	}
	high = low
	if isRange {
		if high, err = strconv.Atoi(hi); err != nil || high < low {
			return "", 0, 0, fmt.Errorf("--conn-req-addr %q: bad port range", s)
		}
	}
	return host, low, high, nil
}

// startConnReq listens on every port of addr's range and returns one
// connection-request server per port.
func startConnReq(ctx context.Context, addr string) ([]*cpe.ConnReqServer, error) {
	host, low, high, err := parseAddrRange(addr)
	if err != nil {
		return nil, err
	}
	var out []*cpe.ConnReqServer
	for port := low; port <= high; port++ {
		hp := net.JoinHostPort(host, strconv.Itoa(port))
		ln, err := net.Listen("tcp", hp)
		if err != nil {
			return nil, fmt.Errorf("--conn-req-addr %s: %w (choose another address, or 127.0.0.1:0 for any free port)", addr, err)
		}
		crs := cpe.NewConnReqServer("http://" + ln.Addr().String())
		srv := &http.Server{Handler: crs, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		go func() { <-ctx.Done(); _ = srv.Close() }()
		out = append(out, crs)
	}
	return out, nil
}

type cpeFlags struct {
	acs, modelName, profile, connReqAddr, connReqPassword string
	username, password, oui, productClass, manufacturer   string
	softwareVersion                                       string
	periodic, connReqInterval                             time.Duration
	aliasAddressing                                       bool
	voucherCerts                                          []string
	caCert, clientCert, clientKey                         string
	insecure                                              bool
	stun                                                  string
	quirks                                                []string
	log                                                   logOptions
}

func (f *cpeFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.acs, "acs", "", "ACS URL (required)")
	fl.StringVar(&f.modelName, flagModel, "Device:2.19", "data model: Device:2.19, InternetGatewayDevice:1.14, VoiceService:2.0, STBService:1.4 (or tr181, tr098, tr104, tr135)")
	fl.StringVar(&f.profile, "profile", "", "initial values: a JSON parameter document, or a GenieACS device dump (CSV export, or JSON device document: the CPEs have exactly what it holds)")
	fl.DurationVar(&f.periodic, "periodic", 0, "periodic inform interval (default: the profile's PeriodicInformEnable/Interval)")
	fl.StringVar(&f.username, "username", "", "user name for the ACS (Digest or Basic)")
	fl.StringVar(&f.password, "password", "", "password for the ACS")
	fl.StringVar(&f.connReqPassword, "conn-req-password", "", "connection-request password (the user name is the serial number); a random one, printed, if empty")
	fl.DurationVar(&f.connReqInterval, "conn-req-interval", 10*time.Second, "least time between two accepted connection requests per CPE (rate limit; negative: none)")
	fl.BoolVar(&f.aliasAddressing, "alias-addressing", true, "support Alias-Based Addressing (instances named \"[alias]\" in paths; TR-069 3.6.1; default with a .csv --profile: the dump's)")
	fl.StringVar(&f.oui, "oui", "00D09E", "ManufacturerOUI (default with a dump --profile: the dump's)")
	fl.StringVar(&f.productClass, "product-class", "dmforge-sim", "ProductClass (default with a dump --profile: the dump's)")
	fl.StringVar(&f.manufacturer, "manufacturer", "dmforge", "Manufacturer (default with a dump --profile: the dump's)")
	fl.StringVar(&f.softwareVersion, "software-version", "1.0.0", "SoftwareVersion (default with a dump --profile: the dump's)")
	fl.StringVar(&f.caCert, "ca-cert", "", "PEM CA certificates to trust for an https:// ACS and file server (default: the system's)")
	fl.BoolVar(&f.insecure, "insecure", false, "do not verify the ACS's TLS certificate (labs only)")
	fl.StringVar(&f.clientCert, "client-cert", "", "PEM certificate the CPE presents to an HTTPS ACS that asks for one")
	fl.StringVar(&f.clientKey, "client-key", "", "PEM private key of --client-cert")
	fl.StringArrayVar(&f.voucherCerts, "voucher-cert", nil, "PEM certificates of a trusted signer of option vouchers (repeatable); with it the CPEs answer SetVouchers and GetOptions")
	fl.StringArrayVar(&f.quirks, "quirk", nil, "behave like a quirky real CPE (repeatable or comma-separated): "+cpe.QuirkNames)
	fl.StringVar(&f.stun, "stun", "", "STUN server HOST:PORT (TR-111): sets STUNEnable and STUNServerAddress/Port; each CPE then takes UDP connection requests on a socket of its own (127.0.0.1)")
	f.log.addFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc(flagModel, func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		names := []string{"tr181", "tr098", "tr104", "tr135"}
		for _, s := range cpeSchemas {
			names = append(names, s.Model)
		}
		return filterPrefix(names, toComplete), cobra.ShellCompDirectiveNoFileComp
	})
}

// tlsConfig is the CPE's TLS client configuration from the flags, nil
// when none is given (the system's roots).
func (f *cpeFlags) tlsConfig() (*tls.Config, error) {
	if f.caCert == "" && !f.insecure && f.clientCert == "" && f.clientKey == "" {
		return nil, nil
	}
	for _, ff := range [][2]string{{"--ca-cert", f.caCert}, {"--client-cert", f.clientCert}, {"--client-key", f.clientKey}} {
		if ff[1] != "" {
			if err := checkFile(ff[0], ff[1]); err != nil {
				return nil, err
			}
		}
	}
	c := &tls.Config{InsecureSkipVerify: f.insecure, MinVersion: tls.VersionTLS12}
	if f.caCert != "" {
		data, err := os.ReadFile(f.caCert)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("--ca-cert: %s holds no PEM certificate", f.caCert)
		}
	}
	if (f.clientCert == "") != (f.clientKey == "") {
		return nil, errors.New("--client-cert and --client-key go together")
	}
	if f.clientCert != "" {
		cert, err := tls.LoadX509KeyPair(f.clientCert, f.clientKey)
		if err != nil {
			return nil, fmt.Errorf("--client-cert: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// loadVoucherCerts reads the certificates of the --voucher-cert files.
func loadVoucherCerts(files []string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for _, file := range files {
		if err := checkFile("--voucher-cert", file); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		n := 0
		for {
			var blk *pem.Block
			if blk, data = pem.Decode(data); blk == nil {
				break
			}
			if blk.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			certs = append(certs, c)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: no PEM certificate", file)
		}
	}
	return certs, nil
}

func (f *cpeFlags) schemaAndProfile(w io.Writer) (*model.Schema, *cpe.DeviceProfile, error) {
	if f.acs == "" {
		return nil, nil, errors.New("--acs is required")
	}
	s, err := cpeSchema(f.modelName)
	if err != nil {
		return nil, nil, err
	}
	p, err := loadProfile(s, f.profile, w)
	if err != nil {
		return nil, nil, err
	}
	// A dump's device may have more than the model: the profile's schema
	// has it all.
	return p.Schema(), p, nil
}

// dumpIdentity leaves the identity flags the user did not set empty when
// the profile is a device dump: the CPEs then report the dump's
// Manufacturer, OUI, ProductClass and SoftwareVersion.
func (f *cpeFlags) dumpIdentity(cmd *cobra.Command, p *cpe.DeviceProfile) {
	if !p.FromDump() {
		return
	}
	for name, v := range map[string]*string{"manufacturer": &f.manufacturer, "oui": &f.oui, "product-class": &f.productClass, "software-version": &f.softwareVersion} {
		if !cmd.Flags().Changed(name) {
			*v = ""
		}
	}
	if !cmd.Flags().Changed("alias-addressing") {
		f.aliasAddressing = false // the dump's AliasBasedAddressing decides
	}
}

func newCPESimCmd() *cobra.Command {
	var (
		f            cpeFlags
		count        int
		sessions     int
		concurrency  int
		serialPrefix string
		quiet        bool
		format       string
	)
	cmd := &cobra.Command{
		Use:   "sim --acs URL --count N",
		Short: "Run N simulated CPEs in one process",
		Long: `Sim runs N CPEs in one process against an ACS. They share the data model's
schema (and the --profile's starting values); only what each device changes is
held per device, so tens of thousands fit in one process.

Each CPE boots (0 BOOTSTRAP, 1 BOOT), then informs periodically (--periodic),
answers connection requests (--conn-req-addr, Digest-protected, user name the
serial number) and follows the TR-069 retry policy after failed sessions. With
--sessions K every CPE runs K sessions (1 BOOT, then 2 PERIODIC) and stops.

On a terminal a progress line on stderr is redrawn every second; otherwise
(a file, a pipe) a progress log line is written every 10 seconds (-q: none).
A summary goes to stdout at the end (sessions ok/failed, faults by code,
latency p50/p99; --format json for a JSON object). Ctrl-C stops cleanly.

Exit status: 1 when a session failed, 2 when the simulation could not run.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			f := f // dumpIdentity changes flag values for this run only
			schema, profile, err := f.schemaAndProfile(stderr)
			if err != nil {
				return err
			}
			f.dumpIdentity(cmd, profile)
			if count < 1 {
				return errors.New("--count must be at least 1")
			}
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			logger, err := f.log.logger(stderr, slog.LevelInfo)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg := cpe.SimConfig{
				Schema: schema, Profile: profile, ACSURL: f.acs, Count: count, SerialPrefix: serialPrefix,
				Manufacturer: f.manufacturer, OUI: f.oui, ProductClass: f.productClass, SoftwareVersion: f.softwareVersion,
				Username: f.username, Password: f.password, Periodic: f.periodic, Sessions: sessions,
				Concurrency: concurrency, ConnReqPassword: f.connReqPassword, ConnReqInterval: f.connReqInterval,
				AliasBasedAddressing: f.aliasAddressing, STUNServer: f.stun,
			}
			if f.log.verbose {
				cfg.Logf = func(format string, args ...any) { logger.Debug(fmt.Sprintf(format, args...)) }
			}
			if cfg.VoucherCerts, err = loadVoucherCerts(f.voucherCerts); err != nil {
				return err
			}
			if cfg.Quirks, err = cpe.ParseQuirks(f.quirks); err != nil {
				return fmt.Errorf("--quirk: %w", err)
			}
			tc, err := f.tlsConfig()
			if err != nil {
				return err
			}
			if tc != nil {
				t := cpe.NewSimTransport(concurrency)
				t.TLSClientConfig = tc
				cfg.Transport = t
			}
			if f.connReqAddr != "" {
				if cfg.ConnReq, err = startConnReq(ctx, f.connReqAddr); err != nil {
					return err
				}
				if cfg.ConnReqPassword == "" {
					cfg.ConnReqPassword = randomPassword()
					fmt.Fprintf(stderr, "connection-request password (generated; --conn-req-password sets one): %s\n", cfg.ConnReqPassword)
				}
			}
			var stats cpe.SimStats
			start := time.Now()
			done := make(chan struct{})
			var wg sync.WaitGroup
			if !quiet {
				wg.Add(1)
				go func() {
					defer wg.Done()
					simProgress(stderr, logger, &stats, start, done)
				}()
			}
			err = cpe.RunSim(ctx, cfg, &stats)
			close(done)
			wg.Wait()
			if err != nil {
				return err
			}
			sum := stats.Summary(time.Since(start))
			if format == "json" {
				if err := writeSimSummaryJSON(cmd.OutOrStdout(), sum); err != nil {
					return err
				}
			} else {
				printSimSummary(cmd.OutOrStdout(), sum)
			}
			if sum.Failed > 0 {
				return exitError{exitFindings}
			}
			return nil
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.IntVar(&count, "count", 1, "number of CPEs")
	fl.IntVar(&sessions, "sessions", 0, "sessions per CPE, then exit (0: run until Ctrl-C)")
	fl.IntVar(&concurrency, "concurrency", 512, "most sessions in flight at once")
	fl.StringVar(&serialPrefix, "serial-prefix", "SIM", "serial numbers are this prefix and a zero-padded index")
	fl.StringVar(&f.connReqAddr, "conn-req-addr", "", "connection-request listener, HOST:PORT or HOST:LOW-HIGH (CPEs spread over the ports); none if empty")
	fl.BoolVarP(&quiet, "quiet", "q", false, "no progress line")
	addFormatFlag(cmd, &format, "text", "json")
	return cmd
}

// simProgressEvery is how often progress is logged when stderr is not a
// terminal (a log file needs no line a second).
var simProgressEvery = 10 * time.Second

// simProgress reports a simulation's progress until done: a line redrawn
// in place (\r) every second on a terminal, else a log line every
// simProgressEvery.
func simProgress(stderr io.Writer, logger *slog.Logger, stats *cpe.SimStats, start time.Time, done <-chan struct{}) {
	tty := isTerminal(stderr)
	every := simProgressEvery
	if tty {
		every = time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var last int64
	for {
		select {
		case <-done:
			if tty {
				fmt.Fprintln(stderr)
			}
			return
		case <-tick.C:
			ok, failed := stats.OK.Load(), stats.Failed.Load()
			rate := float64(ok+failed-last) / every.Seconds()
			last = ok + failed
			elapsed := time.Since(start).Truncate(time.Second)
			if tty {
				fmt.Fprintf(stderr, "\r%s  cpes %d  sessions ok %d  failed %d  %.0f/s   ", elapsed, stats.Running.Load(), ok, failed, rate)
				continue
			}
			logger.Info("progress", "elapsed", elapsed, "cpes", stats.Running.Load(), "ok", ok, "failed", failed, "perSecond", rate)
		}
	}
}

// simSummaryJSON is the summary of `cpe sim --format json`; durations in
// seconds.
type simSummaryJSON struct {
	OK             int64          `json:"ok"`
	Failed         int64          `json:"failed"`
	ElapsedSeconds float64        `json:"elapsedSeconds"`
	PerSecond      float64        `json:"perSecond"`
	P50Seconds     float64        `json:"p50Seconds"`
	P99Seconds     float64        `json:"p99Seconds"`
	Faults         map[string]int `json:"faults"`
	Errors         map[string]int `json:"errors"`
}

func writeSimSummaryJSON(w io.Writer, s cpe.SimSummary) error {
	out := simSummaryJSON{OK: s.OK, Failed: s.Failed, ElapsedSeconds: s.Elapsed.Seconds(),
		P50Seconds: s.P50.Seconds(), P99Seconds: s.P99.Seconds(), Faults: s.Faults, Errors: s.Errors}
	if s.Elapsed > 0 {
		out.PerSecond = float64(s.OK+s.Failed) / s.Elapsed.Seconds()
	}
	if out.Faults == nil {
		out.Faults = map[string]int{}
	}
	if out.Errors == nil {
		out.Errors = map[string]int{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printSimSummary(w io.Writer, s cpe.SimSummary) {
	total := s.OK + s.Failed
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(total) / s.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "sessions: %d ok, %d failed in %s (%.0f/s)\n", s.OK, s.Failed, s.Elapsed.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "latency: p50 %s, p99 %s\n", s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond))
	printCounts(w, "CPE faults", s.Faults)
	printCounts(w, "errors", s.Errors)
}

func printCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(w, "  %6d  %s\n", m[k], k)
	}
}

func newCPERunCmd() *cobra.Command {
	var (
		f       cpeFlags
		serial  string
		udpAddr string
	)
	cmd := &cobra.Command{
		Use:   "run --acs URL",
		Short: "Run one simulated CPE (for a lab bench)",
		Long: `Run runs one CPE until Ctrl-C: boot, periodic informs, connection requests
(on --conn-req-addr, Digest with user name the serial number and
--conn-req-password), transfers, reboots; one log line per session on
stderr (--log-format json for JSON lines).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			f := f // dumpIdentity changes flag values for this run only
			schema, profile, err := f.schemaAndProfile(stderr)
			if err != nil {
				return err
			}
			f.dumpIdentity(cmd, profile)
			logger, err := f.log.logger(stderr, slog.LevelInfo)
			if err != nil {
				return err
			}
			store := cpe.NewMemStoreFrom(profile)
			serial := serial
			if root, _, _ := strings.Cut(schema.Model, ":"); profile.FromDump() && !cmd.Flags().Changed("serial") {
				if v, ok := store.Get(root + ".DeviceInfo.SerialNumber"); ok && v != "" {
					serial = v // the dump's device
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg := cpe.Config{
				Schema: schema, Store: store, ACSURL: f.acs, Username: f.username, Password: f.password,
				Manufacturer: f.manufacturer, OUI: f.oui, ProductClass: f.productClass, SerialNumber: serial,
				SoftwareVersion: f.softwareVersion, PeriodicInterval: f.periodic, ConnReqPassword: f.connReqPassword,
				// Set, not defaulted: the device reports it, and the ACS
				// signs UDP connection requests with it.
				ConnReqUsername: serial,
				ConnReqInterval: f.connReqInterval, AliasBasedAddressing: f.aliasAddressing,
				STUNServer: f.stun, UDPConnReqAddr: udpAddr,
				Logf: func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) },
			}
			certs, err := loadVoucherCerts(f.voucherCerts)
			if err != nil {
				return err
			}
			if cfg.Quirks, err = cpe.ParseQuirks(f.quirks); err != nil {
				return fmt.Errorf("--quirk: %w", err)
			}
			tc, err := f.tlsConfig()
			if err != nil {
				return err
			}
			if tc != nil {
				t := http.DefaultTransport.(*http.Transport).Clone()
				t.TLSClientConfig = tc
				cfg.Transport = t
			}
			if len(certs) > 0 {
				cfg.Options = &cpe.VoucherOptions{
					Trusted:      certs,
					Manufacturer: f.manufacturer, OUI: f.oui, ProductClass: f.productClass, SerialNumber: serial,
				}
			}
			var crs []*cpe.ConnReqServer
			if f.connReqAddr != "" {
				if crs, err = startConnReq(ctx, f.connReqAddr); err != nil {
					return err
				}
				cfg.ConnReqURL = crs[0].URL(serial)
				if cfg.ConnReqPassword == "" {
					// No fixed default: a known password would open every
					// simulated CPE to anyone who reaches the listener.
					cfg.ConnReqPassword = randomPassword()
				}
			}
			a, err := cpe.New(cfg)
			if err != nil {
				return err
			}
			if len(crs) > 0 {
				crs[0].Register(a)
				fmt.Fprintf(stderr, "connection requests: %s (user %s, password %s)\n", cfg.ConnReqURL, serial, cfg.ConnReqPassword)
			}
			return a.Run(ctx, func(res cpe.SessionResult, err error) {
				if err != nil {
					logger.Warn("session failed", "serial", serial, "events", res.Events, "err", err)
					return
				}
				logger.Info("session", "serial", serial, "events", res.Events, "requests", res.Requests, "duration", res.Duration.Round(time.Millisecond))
			})
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&serial, "serial", "DMF000001", "serial number (default with a dump --profile: the dump's)")
	// Not 7547: that is the ACS's port, and dmforge cpe run runs next to
	// dmforge acs.
	cmd.Flags().StringVar(&f.connReqAddr, "conn-req-addr", "127.0.0.1:0", "connection-request listener HOST:PORT (default any free port on loopback; empty: none)")
	cmd.Flags().StringVar(&udpAddr, "udp-conn-req-addr", "127.0.0.1:0", "UDP connection-request socket HOST:PORT, used while STUN is on (--stun)")
	return cmd
}

// newCPETestACSCmd is the minimal loopback ACS of the benchmarks.
func newCPETestACSCmd() *cobra.Command {
	var addr string
	var gpv []string
	cmd := &cobra.Command{
		Use:    "testacs",
		Short:  "Run the minimal test ACS (for benchmarks)",
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			acs := &testacs.ACS{}
			if len(gpv) > 0 {
				acs.Enqueue("", &cwmp.GetParameterValues{ParameterNames: gpv})
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "http://%s/\n", ln.Addr())
			srv := &http.Server{Handler: acs, ReadHeaderTimeout: 10 * time.Second}
			go func() { <-ctx.Done(); _ = srv.Close() }()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			informs, completed := acs.Counts()
			fmt.Fprintf(cmd.ErrOrStderr(), "informs %d, sessions completed %d\n", informs, completed)
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7548", "listen address")
	cmd.Flags().StringSliceVar(&gpv, "gpv", nil, "GetParameterValues to send in every session")
	return cmd
}

// randomPassword is a connection-request password for a CPE started
// without one.
func randomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
