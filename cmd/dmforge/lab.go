package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/dmforge/dmforge/acsref"
	"github.com/dmforge/dmforge/acsref/store"
	"github.com/dmforge/dmforge/cwmp/cpe"
	tr098 "github.com/dmforge/dmforge/generated/tr098/schema"
	tr104 "github.com/dmforge/dmforge/generated/tr104/schema"
	tr135 "github.com/dmforge/dmforge/generated/tr135/schema"
	tr181 "github.com/dmforge/dmforge/generated/tr181/schema"
	"github.com/dmforge/dmforge/model"
	"github.com/spf13/cobra"
)

func init() { rootCmd.AddCommand(newLabCmd()) }

// labFleet is one group of simulated CPEs the lab starts.
type labFleet struct {
	schema        *model.Schema
	prefix, class string
}

// labFleets are the lab's CPEs: one group per standard model. The service
// models (TR-104, TR-135) run as CPEs whose root is the service object.
var labFleets = []labFleet{
	{tr181.Schema, "TR181-", "LabGateway"},
	{tr098.Schema, "TR098-", "LabIGD"},
	{tr104.Schema, "TR104-", "LabVoice"},
	{tr135.Schema, "TR135-", "LabSTB"},
}

type labOptions struct {
	dir, cwmpAddr, nbiAddr, crAddr string
	count                          int
	periodic, duration             time.Duration
	tls                            bool
	stun                           bool
	log                            logOptions
}

func newLabCmd() *cobra.Command {
	var o labOptions
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Start the reference ACS and simulated CPEs of each standard model against it",
		Long: `Lab starts the reference ACS on an embedded SQLite file and, against it,
simulated CPEs of each standard model (TR-181 Device:2.19, TR-098
InternetGatewayDevice:1.14, TR-104 VoiceService:2.0, TR-135 STBService:1.4),
each with a connection-request listener. It prints the NBI URL and example
commands, and runs until Ctrl-C (or --duration). Everything binds 127.0.0.1.
Without --dir the lab works in a new temporary directory and removes it when
it stops; --dir keeps the database (and certificate) there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if o.duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, o.duration)
				defer cancel()
			}
			return runLab(ctx, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "directory for the lab's SQLite file, kept (default: a new temporary directory, removed when the lab stops)")
	_ = cmd.MarkFlagDirname("dir")
	f.StringVar(&o.cwmpAddr, "cwmp-addr", "127.0.0.1:7547", "ACS CWMP listen address")
	f.StringVar(&o.nbiAddr, "nbi-addr", "127.0.0.1:7557", "ACS NBI listen address")
	f.StringVar(&o.crAddr, "conn-req-addr", "127.0.0.1:0", "connection-request listener of the simulated CPEs")
	f.IntVar(&o.count, "count", 3, "simulated CPEs per standard model")
	f.DurationVar(&o.periodic, "periodic", 5*time.Minute, "periodic inform interval of the simulated CPEs")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until Ctrl-C)")
	f.BoolVar(&o.tls, "tls", false, "serve CWMP over HTTPS with a self-signed certificate the simulated CPEs trust")
	o.log.addFlags(cmd)
	f.BoolVar(&o.stun, "stun", false, "CPEs behind NAT: the ACS runs a STUN server, and the simulated CPEs of models with STUN take UDP connection requests (no HTTP listener)")
	return cmd
}

func runLab(ctx context.Context, o labOptions, out, errOut io.Writer) (err error) {
	// The ACS logs only what goes wrong unless -v.
	logger, err := o.log.logger(errOut, slog.LevelWarn)
	if err != nil {
		return err
	}
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "dmforge-lab-"); err != nil {
			return err
		}
		// Runs last, after the store is closed: what the lab made goes.
		defer func() {
			if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
				err = fmt.Errorf("removing the lab's directory: %w", rerr)
			}
		}()
	} else if err := checkDir("--dir", dir); err != nil {
		return err
	}
	st, err := store.Open(filepath.Join(dir, "lab.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	var tlsConf *tls.Config
	var transport *http.Transport // the CPEs' (nil: RunSim's own)
	if o.tls {
		var certPEM []byte
		if tlsConf, certPEM, err = acsref.SelfSignedTLS(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "acs-cert.pem"), certPEM, 0o644); err != nil {
			return err
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(certPEM)
		transport = cpe.NewSimTransport(512)
		transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	stunAddr := ""
	if o.stun {
		stunAddr = "127.0.0.1:0"
	}
	// A new admin API key each start: the lab prints it in its examples.
	srv, err := acsref.New(acsref.Config{CWMPAddr: o.cwmpAddr, NBIAddr: o.nbiAddr, Store: st, Logger: logger,
		ConnReqPassword: "cpe", TLS: tlsConf, STUNAddr: stunAddr, NBIAccess: acsref.NBIAccess{ResetKey: true},
		// The lab's CPEs listen on loopback: the global connection-request
		// credentials may go there.
		ConnReqAllowedNets: acsref.LoopbackNets})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Close()
	crs, err := startConnReq(ctx, o.crAddr)
	if err != nil {
		return err
	}

	nbi := srv.NBIURL()
	// The id as it goes in a URL path (GenieACS ids hold "%2D" for "-").
	first := url.PathEscape(acsref.DeviceID("00D09E", labFleets[0].class, cpe.SimSerial(labFleets[0].prefix, o.count, 0)))
	// Every example carries the admin API key: the NBI requires it.
	h := "-H 'Authorization: Bearer " + srv.NewAdminKey() + "'"
	fmt.Fprintf(out, `dmforge lab: reference ACS with %d simulated CPEs of each standard model
  CWMP endpoint  %s
  NBI            %s   (OpenAPI: %s/openapi.json)
  database       %s
  API key        %s   (the NBI's, new each start: Authorization: Bearer KEY)

Try:
  curl -s %[7]s %[8]s/devices
  curl -s %[7]s %[8]s/devices/%[9]s/parameters?prefix=Device.DeviceInfo.
  curl -s %[7]s -X POST '%[8]s/devices/%[9]s/tasks?connection_request' \
       -d '{"name":"setParameterValues","parameterValues":[["Device.ManagementServer.PeriodicInformInterval","600","xsd:unsignedInt"]]}'
  curl -s %[7]s -X POST %[8]s/devices/%[9]s/tasks -d '{"name":"setParameterValues","parameterValues":[["Device.DeviceInfo.Manufacturer","x","xsd:string"]]}'   # refused: read-only
  curl -s %[7]s %[8]s/devices/%[9]s/conformance
  curl -s %[7]s -X POST '%[8]s/devices/%[9]s/tasks?connection_request' -d '{"name":"addObject","objectName":"Device.IP.Interface.[wan]."}'
  curl -s %[7]s -X PUT %[8]s/files/hello_1.0.ipk --data-binary 'any bytes'
  curl -s %[7]s -X POST '%[8]s/devices/%[9]s/tasks?connection_request' \
       -d '{"name":"changeDUState","operations":[{"type":"install","file":"hello_1.0.ipk"}]}'
  curl -s %[7]s -X POST '%[8]s/devices/%[9]s/probe?connection_request'    # negative tests of the CPE's fault codes
  curl -s %[7]s %[8]s/devices/%[9]s/probe

Ctrl-C stops the lab.
`, o.count, srv.CWMPURL(), nbi, nbi, filepath.Join(dir, "lab.db")+tempNote(o.dir == ""), srv.NewAdminKey(), h, nbi, first)
	if o.stun {
		fmt.Fprintf(out, "STUN server %s (udp): the CPEs of Device:2 and InternetGatewayDevice:1 take UDP connection requests.\n", srv.STUNAddr())
	}
	if o.tls {
		fmt.Fprintf(out, "The CWMP endpoint is HTTPS; its self-signed certificate is %s (dmforge cpe run --ca-cert).\n",
			filepath.Join(dir, "acs-cert.pem"))
	}

	stats := make([]*cpe.SimStats, len(labFleets))
	var wg sync.WaitGroup
	errs := make(chan error, len(labFleets))
	for i, fl := range labFleets {
		stats[i] = &cpe.SimStats{}
		cfg := cpe.SimConfig{Schema: fl.schema, ACSURL: srv.CWMPURL(), Count: o.count, SerialPrefix: fl.prefix,
			Manufacturer: "dmforge", OUI: "00D09E", ProductClass: fl.class, SoftwareVersion: "1.0.0",
			Periodic: o.periodic, ConnReq: crs, ConnReqPassword: "cpe", AliasBasedAddressing: true,
			// A lab user sends tasks one after another, each with a
			// connection request: the CPEs accept one every second.
			ConnReqInterval: time.Second}
		if transport != nil {
			cfg.Transport = transport // shared by the fleets: one pool of TLS connections
		}
		if o.stun && labHasSTUN(fl.schema) {
			cfg.STUNServer, cfg.ConnReq = srv.STUNAddr(), nil
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := cpe.RunSim(ctx, cfg, stats[i]); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("%s CPEs: %w", labFleets[i].prefix, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for i, fl := range labFleets {
		fmt.Fprintf(out, "%s CPEs: %d sessions ok, %d failed\n", fl.schema.Model, stats[i].OK.Load(), stats[i].Failed.Load())
	}
	for err := range errs {
		return err
	}
	return nil
}

// tempNote says the lab's directory goes when the lab stops.
func tempNote(temporary bool) string {
	if temporary {
		return "   (removed when the lab stops; --dir DIR keeps it)"
	}
	return ""
}

// labHasSTUN reports whether a model's CPEs can use STUN (the service
// models have no ManagementServer).
func labHasSTUN(s *model.Schema) bool {
	for _, root := range []string{"Device.", "InternetGatewayDevice."} {
		if _, ok := s.Lookup(root + "ManagementServer.STUNEnable"); ok {
			return true
		}
	}
	return false
}
