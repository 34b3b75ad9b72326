package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newACSCmd()) }

// acsOptions are the flags of dmforge acs; each has a DMFORGE_* variable.
type acsOptions struct {
	cwmpAddr, nbiAddr, db, nbiToken string
	cpeUser, cpePass                string
	crUser, crPass                  string
	publicURL                       string
	sessionTimeout                  time.Duration
	noDiscovery                     bool
	informGet                       []string
	log                             logOptions
	tlsCert, tlsKey, tlsClientCA    string
	tlsSelfSigned                   string
	stunAddr, stunPassword          string
	nbiOpen, nbiResetKey            bool
	nbiAllowedHosts                 []string
	nbiAllowedOrigins               []string
	allowUnauthCPEs                 bool
	crAllowedNets                   []string
	crBasic                         bool
	maxSessions                     int
	maxFirstContacts                int
	maxSessionTimeout               time.Duration
	maxNoAnswer                     int
	retryBackoff                    time.Duration
	runRetention                    int
	discovery                       []string
	metricsAddr                     string
}

func newACSCmd() *cobra.Command {
	var o acsOptions
	var perDevice, basic bool
	cmd := &cobra.Command{
		Use:   "acs",
		Short: "Run the reference ACS (CWMP endpoint, model-checked tasks, conformance findings, NBI)",
		Long: `Acs runs dmforge's reference ACS: a CWMP endpoint for CPEs and a REST/JSON
northbound interface (NBI) shaped like GenieACS's, over an embedded SQLite
database or a PostgreSQL one. Every task is checked against the BBF data model the device is
bound to (Device:2 or InternetGatewayDevice:1, with VoiceService and
STBService) before it is queued; what devices report is checked too, and
violations become conformance findings (GET /devices/{id}/conformance).

The NBI describes itself at /openapi.json. Every flag can also be given as
an environment variable DMFORGE_<FLAG> (--cwmp-addr as DMFORGE_CWMP_ADDR,
--db as DMFORGE_DB; flags win).

Security: the NBI requires credentials. On first start the ACS makes an
admin API key, stores only its SHA-256 and prints the key once; send it as
"Authorization: Bearer KEY" (--nbi-token adds a token of your own;
--nbi-reset-api-key replaces a lost key). The NBI answers only to IP
addresses and localhost as Host (--nbi-allowed-host NAME for a DNS name)
and refuses browser requests from other origins (--nbi-allowed-origin).
Without CPE authentication the CWMP endpoint stays on loopback: set
--cpe-username/--cpe-password or --per-device-auth (or --tls-client-ca)
to listen elsewhere, or say --allow-unauthenticated-cpes. Connection
requests answer Digest only (--cr-basic-auth allows Basic), and the global
--cr-username/--cr-password go only to --cr-allowed-net networks (default
private and CGNAT ranges, not loopback). Past --max-sessions concurrent
sessions an Inform gets 503 with Retry-After.

HTTPS: --tls-cert and --tls-key (PEM) make the CWMP endpoint HTTPS;
--tls-client-ca also requires CPEs to present a certificate issued by one of
its CAs. For a lab, --tls-self-signed FILE makes a certificate for the
listen address (and localhost) and writes it to FILE for the CPEs to trust
(dmforge cpe run --ca-cert FILE).

--db takes a SQLite file path (or sqlite:///path), or a PostgreSQL URL:

  --db 'postgres://USER:PASSWORD@HOST:5432/DB?sslmode=disable'

add search_path=SCHEMA to keep the tables in a schema of their own and
pool_max_conns=N to size the connection pool. The tables are created or
migrated on start. Several acs processes may share one PostgreSQL database
(behind a load balancer, say): each device has one session at a time
across them (another process answers 503 with Retry-After), and tasks
queued through any process's NBI reach the device whichever process it
informs to. A SQLite file is for one process.

CPEs behind NAT: --stun-addr 127.0.0.1:3478 runs a STUN server (TR-111) on
UDP; CPEs with STUNEnable send it Binding Requests, and a connection
request to one behind NAT (NATDetected, or no usable ConnectionRequestURL)
goes as a UDP Connection Request (TR-069 Annex G) to its binding, reported
"sent (UDP)" since nothing answers. --stun-password makes the server
require MESSAGE-INTEGRITY keyed with it (the CPEs' STUNPassword).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := applyEnv(cmd); err != nil { // run standalone too (tests)
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runACS(ctx, o, perDevice, basic, cmd)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.cwmpAddr, "cwmp-addr", "127.0.0.1:7547", "CWMP listen address")
	f.StringVar(&o.nbiAddr, "nbi-addr", "127.0.0.1:7557", "NBI listen address")
	f.StringVar(&o.db, "db", "dmforge-acs.db", "store: SQLite file path, sqlite:///path, or postgres://... URL")
	f.StringVar(&o.nbiToken, "nbi-token", "", "a bearer token the NBI accepts besides the admin API key")
	f.BoolVar(&o.nbiOpen, "nbi-no-auth", false, "serve the NBI without credentials: anyone reaching it controls every device (loopback labs only)")
	f.BoolVar(&o.nbiResetKey, "nbi-reset-api-key", false, "replace the stored NBI admin API key by a new one, printed once")
	f.StringSliceVar(&o.nbiAllowedHosts, "nbi-allowed-host", nil, "DNS names the NBI answers to as Host, besides IP addresses and localhost (comma-separated)")
	f.StringSliceVar(&o.nbiAllowedOrigins, "nbi-allowed-origin", nil, "browser origins allowed to call the NBI, e.g. https://ui.example.net (comma-separated)")
	f.StringSliceVar(&o.crAllowedNets, "cr-allowed-net", nil, "networks (CIDR) the global --cr-username/--cr-password may be sent to (default "+strings.Join(acsref.DefaultConnReqNets, ",")+"; add 127.0.0.0/8 for CPEs on this host)")
	f.BoolVar(&o.crBasic, "cr-basic-auth", false, "answer a CPE's Basic challenge on connection requests (sends the password in clear); Digest only if false")
	f.IntVar(&o.maxSessions, "max-sessions", 0, "concurrent CWMP sessions before an Inform gets 503 + Retry-After (default 256 per CPU)")
	f.IntVar(&o.maxFirstContacts, "max-first-contacts", 0, "concurrent sessions of bootstrapping CPEs (discovery) before their Inform gets 503 + a short Retry-After (default 32 per CPU; -1: no separate bound)")
	f.DurationVar(&o.maxSessionTimeout, "max-session-timeout", 0, "longest session timeout a CPE may propose in its Inform (default 2m, or --session-timeout if longer)")
	f.BoolVar(&o.allowUnauthCPEs, "allow-unauthenticated-cpes", false, "let the CWMP endpoint listen beyond loopback without CPE authentication: anyone can create devices")
	f.StringVar(&o.cpeUser, "cpe-username", "", "username CPEs authenticate with (no CPE authentication if empty and no --per-device-auth)")
	f.StringVar(&o.cpePass, "cpe-password", "", "password CPEs authenticate with")
	f.BoolVar(&perDevice, "per-device-auth", false, "also accept per-device CPE credentials (PUT /credentials/{user})")
	f.BoolVar(&basic, "basic-auth", false, "accept Basic as well as Digest CPE authentication")
	f.StringVar(&o.crUser, "cr-username", "", "connection request username when the device's is unknown")
	f.StringVar(&o.crPass, "cr-password", "", "connection request password when the device's is unknown")
	f.StringVar(&o.publicURL, "public-url", "", "base URL CPEs reach the CWMP endpoint at, for file URLs (default http://CWMP-ADDR)")
	f.DurationVar(&o.sessionTimeout, "session-timeout", 30*time.Second, "end a session after this long without a request")
	f.BoolVar(&o.noDiscovery, "no-discovery", false, "skip the GetParameterNames/GetParameterValues discovery on first contact")
	f.StringSliceVar(&o.informGet, "inform-get", nil, "parameters read with GetParameterValues in every session (comma-separated)")
	o.log.addFlags(cmd)
	f.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (chain) of an HTTPS CWMP endpoint")
	f.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	f.StringVar(&o.tlsClientCA, "tls-client-ca", "", "PEM CA certificates CPE client certificates must be issued by (requires them)")
	f.StringVar(&o.tlsSelfSigned, "tls-self-signed", "", "serve HTTPS with a new self-signed certificate, written (PEM) to this file for CPEs to trust")
	f.StringVar(&o.stunAddr, "stun-addr", "", "UDP address of a STUN server for CPEs behind NAT, e.g. 127.0.0.1:3478 (none if empty)")
	f.StringVar(&o.stunPassword, "stun-password", "", "STUN password CPEs must prove (MESSAGE-INTEGRITY); none if empty")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "loopback address serving /metrics without credentials, e.g. 127.0.0.1:9464 (default: /metrics on the NBI, with its credentials)")
	f.IntVar(&o.maxNoAnswer, "max-no-answer", acsref.DefaultMaxNoAnswer, "RPCs of a task that may go unanswered before the task faults")
	f.DurationVar(&o.retryBackoff, "retry-backoff", acsref.DefaultRetryBackoff, "wait before sending an unanswered task again (from the second no-answer; doubles)")
	f.IntVar(&o.runRetention, "run-retention", 0, "conformance runs, and diagnostics, the store keeps per device (default 10 runs, 20 diagnostics)")
	f.StringArrayVar(&o.discovery, "discovery", nil, "discovery override of a product class: PRODUCTCLASS:batchSize=N,partialGPV=BOOL,skipRootGPN=BOOL,booleans=1|true,dateTimeMilliseconds=BOOL,disabled=BOOL,values=model|standard|all|lazy (repeatable)")
	return cmd
}

func runACS(ctx context.Context, o acsOptions, perDevice, basic bool, cmd *cobra.Command) error {
	logger, err := o.log.logger(cmd.ErrOrStderr(), slog.LevelInfo)
	if err != nil {
		return err
	}
	if err := checkDBDir(o.db); err != nil {
		return err
	}
	st, err := store.Open(o.db)
	if err != nil {
		return fmt.Errorf("--db %s: %w", redactDB(o.db), err)
	}
	defer st.Close()
	tlsConf, err := acsTLS(o)
	if err != nil {
		return err
	}
	byClass := map[string]acsref.DiscoveryStrategy{}
	for _, d := range o.discovery {
		pc, strat, err := acsref.ParseDiscoveryFlag(d)
		if err != nil {
			return fmt.Errorf("--discovery: %w", err)
		}
		byClass[pc] = strat
	}
	srv, err := acsref.New(acsref.Config{TLS: tlsConf, MaxNoAnswer: o.maxNoAnswer, RetryBackoff: o.retryBackoff, RunRetention: o.runRetention, DiscoveryByProductClass: byClass,
		CWMPAddr: o.cwmpAddr, NBIAddr: o.nbiAddr, Store: st, NBIToken: o.nbiToken,
		Auth:           acsref.CPEAuth{Username: o.cpeUser, Password: o.cpePass, PerDevice: perDevice, Basic: basic},
		SessionTimeout: o.sessionTimeout, NoDiscovery: o.noDiscovery, InformGet: o.informGet,
		ConnReqUsername: o.crUser, ConnReqPassword: o.crPass, PublicURL: o.publicURL, Logger: logger,
		STUNAddr: o.stunAddr, STUNPassword: o.stunPassword, MetricsAddr: o.metricsAddr,
		NBIAccess:                acsref.NBIAccess{Open: o.nbiOpen, ResetKey: o.nbiResetKey, AllowedHosts: o.nbiAllowedHosts, AllowedOrigins: o.nbiAllowedOrigins},
		AllowUnauthenticatedCPEs: o.allowUnauthCPEs,
		ConnReqAllowedNets:       o.crAllowedNets, ConnReqBasic: o.crBasic,
		MaxSessions: o.maxSessions, MaxFirstContacts: o.maxFirstContacts, MaxSessionTimeout: o.maxSessionTimeout,
	})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "dmforge acs: CWMP %s\n", srv.CWMPURL())
	fmt.Fprintf(w, "dmforge acs: NBI  %s (OpenAPI at %s/openapi.json)\n", srv.NBIURL(), srv.NBIURL())
	fmt.Fprintf(w, "dmforge acs: store %s\n", redactDB(o.db))
	fmt.Fprintf(w, "dmforge acs: metrics %s (health: %s/healthz, %s/readyz)\n", srv.MetricsURL(), srv.NBIURL(), srv.NBIURL())
	switch key := srv.NewAdminKey(); {
	case key != "":
		fmt.Fprintf(w, "dmforge acs: NBI admin API key (shown this once; only its hash is stored): %s\n", key)
		fmt.Fprintf(w, "dmforge acs:   curl -H 'Authorization: Bearer %s' %s/devices\n", key, srv.NBIURL())
	case o.nbiOpen:
		fmt.Fprintln(w, "dmforge acs: NBI open to anyone who reaches it (--nbi-no-auth)")
	default:
		fmt.Fprintln(w, "dmforge acs: NBI requires the admin API key shown on first start (or --nbi-token; --nbi-reset-api-key makes a new one)")
	}
	if a := srv.STUNAddr(); a != "" {
		fmt.Fprintf(w, "dmforge acs: STUN %s (udp)\n", a)
	}
	if o.tlsSelfSigned != "" {
		fmt.Fprintf(w, "dmforge acs: self-signed certificate in %s (CPEs trust it with --ca-cert)\n", o.tlsSelfSigned)
	}
	<-ctx.Done()
	fmt.Fprintln(w, "dmforge acs: stopping")
	return srv.Close()
}

// acsTLS is the TLS configuration the flags ask for, nil for plain HTTP.
func acsTLS(o acsOptions) (*tls.Config, error) {
	switch {
	case o.tlsSelfSigned != "" && (o.tlsCert != "" || o.tlsKey != ""):
		return nil, errors.New("--tls-self-signed and --tls-cert/--tls-key exclude each other")
	case o.tlsSelfSigned != "":
		host, _, err := net.SplitHostPort(o.cwmpAddr)
		if err != nil {
			return nil, fmt.Errorf("--cwmp-addr %s: %w", o.cwmpAddr, err)
		}
		hosts := []string{"localhost"}
		if host != "" && host != "localhost" {
			hosts = append(hosts, host)
		}
		c, certPEM, err := acsref.SelfSignedTLS(hosts...)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(o.tlsSelfSigned, certPEM, 0o644); err != nil {
			return nil, fmt.Errorf("--tls-self-signed: %w", err)
		}
		if o.tlsClientCA != "" {
			pool, err := acsref.LoadCertPool(o.tlsClientCA)
			if err != nil {
				return nil, err
			}
			c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
		}
		return c, nil
	case o.tlsCert != "" || o.tlsKey != "":
		if o.tlsCert == "" || o.tlsKey == "" {
			return nil, errors.New("--tls-cert and --tls-key go together")
		}
		return acsref.LoadTLS(o.tlsCert, o.tlsKey, o.tlsClientCA)
	case o.tlsClientCA != "":
		return nil, errors.New("--tls-client-ca needs HTTPS: --tls-cert/--tls-key or --tls-self-signed")
	}
	return nil, nil
}

// redactDB hides the password of a database URL (for logs and errors).
func redactDB(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || u.User == nil {
		return loc
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
