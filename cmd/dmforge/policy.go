package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dmforge/dmforge/acsref"
)

func init() { rootCmd.AddCommand(newPolicyCmd()) }

// nbiClient talks to the reference ACS's NBI.
type nbiClient struct {
	base, token string
	http        *http.Client
}

// nbiCommand is the parent of a command group that talks to the reference
// ACS's NBI (policy, campaign, conformance): --nbi and --token, also from
// $DMFORGE_NBI and $DMFORGE_NBI_TOKEN, checked before any subcommand runs.
func nbiCommand(cmd *cobra.Command, timeout time.Duration) (*cobra.Command, *nbiClient) {
	c := &nbiClient{http: &http.Client{Timeout: timeout}}
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		// The root did it already; this is for the command run alone.
		if err := applyEnv(cmd); err != nil {
			return err
		}
		if _, err := url.Parse(c.base); err != nil || !strings.HasPrefix(c.base, "http") {
			return fmt.Errorf("--nbi %q is not an http(s) URL", c.base)
		}
		return nil
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&c.base, "nbi", "http://127.0.0.1:7557", "NBI URL of the reference ACS ($"+envNBI+")")
	pf.StringVar(&c.token, "token", "", "NBI bearer token ($"+envNBIToken+")")
	_ = pf.SetAnnotation("token", annEnv, []string{envNBIToken})
	return cmd, c
}

// nbiEnv is where --nbi and --token default from.
const (
	envNBI      = "DMFORGE_NBI"
	envNBIToken = "DMFORGE_NBI_TOKEN"
)

// do sends a request and decodes a JSON answer into out; an HTTP error
// status becomes an error carrying the answer's body.
func (c *nbiClient) do(ctx context.Context, method, path, contentType string, body []byte, out any) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("NBI %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if out != nil && resp.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, data, fmt.Errorf("NBI %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, data, nil
}

func newPolicyCmd() *cobra.Command {
	cmd, c := nbiCommand(&cobra.Command{
		Use:   "policy",
		Short: "Manage the reference ACS's provisioning policies through its NBI",
		Long: `Policy applies, shows, deletes and dry-runs the provisioning policies of a
running reference ACS (dmforge acs). Policies are YAML or JSON documents,
checked against the data models when applied: a refused policy prints
one line per error with the policy, the line, the path and the rule.

The NBI is --nbi (or $DMFORGE_NBI, default http://127.0.0.1:7557); its
token --token (or $DMFORGE_NBI_TOKEN), sent as "Authorization: Bearer".`,
	}, 5*time.Minute)

	apply := &cobra.Command{
		Use:   "apply FILE...",
		Short: "Check and store policies (YAML or JSON; - reads standard input)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var parts [][]byte
			for _, f := range args {
				var b []byte
				var err error
				if f == "-" {
					b, err = io.ReadAll(cmd.InOrStdin())
				} else if err = checkFile("", f); err == nil {
					b, err = os.ReadFile(f)
				}
				if err != nil {
					return err
				}
				parts = append(parts, bytes.TrimRight(b, "\n"))
			}
			// One request, so that the files are checked together (a
			// conflict between two of them is found) and stored together.
			body := bytes.Join(parts, []byte("\n---\n"))
			var out struct {
				Applied []string `json:"applied"`
			}
			code, data, err := c.do(cmd.Context(), "POST", "/policies", "application/yaml", body, &out)
			if err != nil {
				return err
			}
			if code == http.StatusBadRequest {
				var pe acsref.PolicyErrors
				if json.Unmarshal(data, &pe) == nil && len(pe.Errors) > 0 {
					where := ""
					if len(args) == 1 {
						where = args[0] + ": "
					}
					for _, e := range pe.Errors {
						fmt.Fprintln(cmd.ErrOrStderr(), where+e.Error())
					}
					return exitError{1}
				}
			}
			if code != http.StatusOK {
				return fmt.Errorf("NBI: HTTP %d: %s", code, strings.TrimSpace(string(data)))
			}
			for _, n := range out.Applied {
				fmt.Fprintln(cmd.OutOrStdout(), "applied", n)
			}
			return nil
		},
	}
	var getFormat string
	get := &cobra.Command{
		Use:   "get [NAME]",
		Short: "List policies with their device counts, or print one policy's source",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(getFormat, "text", "json"); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(args) == 1 {
				var v acsref.PolicyView
				code, data, err := c.do(cmd.Context(), "GET", "/policies/"+url.PathEscape(args[0]), "", nil, &v)
				if err := httpResult(code, data, err); err != nil {
					return err
				}
				if getFormat == "json" {
					return writeJSON(w, v)
				}
				fmt.Fprint(w, v.Source)
				if !strings.HasSuffix(v.Source, "\n") {
					fmt.Fprintln(w)
				}
				return nil
			}
			var list []acsref.PolicyView
			code, data, err := c.do(cmd.Context(), "GET", "/policies", "", nil, &list)
			if err := httpResult(code, data, err); err != nil {
				return err
			}
			if getFormat == "json" {
				return writeJSON(w, append([]acsref.PolicyView{}, list...))
			}
			rows := make([][]string, len(list))
			for i, v := range list {
				rows[i] = []string{v.Name, v.Kind, v.Model, fmt.Sprint(v.Priority), fmt.Sprint(v.Counts["converged"]), fmt.Sprint(v.Counts["pending"]), fmt.Sprint(v.Counts["fault"])}
			}
			return writeTable(w, false, []string{"NAME", "KIND", "MODEL", "PRIORITY", "CONVERGED", "PENDING", "FAULT"}, rows)
		},
	}
	addFormatFlag(get, &getFormat, "text", "json")
	del := &cobra.Command{
		Use:   "delete NAME...",
		Short: "Delete policies (and their device states)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, n := range args {
				code, data, err := c.do(cmd.Context(), "DELETE", "/policies/"+url.PathEscape(n), "", nil, nil)
				if err := httpResult(code, data, err); err != nil {
					return fmt.Errorf("%s: %w", n, err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), "deleted", n)
			}
			return nil
		},
	}
	var device, events string
	plan := &cobra.Command{
		Use:   "plan (--device ID | NAME)",
		Short: "Dry run: the RPCs a device's next session would send, or a policy's counts over its devices",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := ""
			if events != "" {
				q = "?events=" + url.QueryEscape(events)
			}
			var path string
			switch {
			case device != "" && len(args) == 0:
				path = "/devices/" + url.PathEscape(device) + "/plan" + q
			case device == "" && len(args) == 1:
				path = "/policies/" + url.PathEscape(args[0]) + "/plan" + q
			default:
				return errors.New("give --device ID or a policy NAME")
			}
			var out json.RawMessage
			code, data, err := c.do(cmd.Context(), "GET", path, "", nil, &out)
			if err := httpResult(code, data, err); err != nil {
				return err
			}
			var pretty bytes.Buffer
			_ = json.Indent(&pretty, out, "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), pretty.String())
			return nil
		},
	}
	plan.Flags().StringVar(&device, "device", "", "device id (as the NBI lists it)")
	plan.Flags().StringVar(&events, "events", "", "the next session's Inform events, comma-separated (default PERIODIC)")
	cmd.AddCommand(apply, get, del, plan)
	return cmd
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// httpResult turns a failed NBI answer into an error.
func httpResult(code int, data []byte, err error) error {
	if err != nil {
		return err
	}
	if code >= 300 {
		var re acsref.RuleError
		if json.Unmarshal(data, &re) == nil && re.Msg != "" {
			return fmt.Errorf("NBI: HTTP %d: %v", code, &re)
		}
		var pe acsref.PolicyErrors
		if json.Unmarshal(data, &pe) == nil && len(pe.Errors) > 0 {
			return fmt.Errorf("NBI: HTTP %d: %v", code, pe.Errors)
		}
		return fmt.Errorf("NBI: HTTP %d: %s", code, strings.TrimSpace(string(data)))
	}
	return nil
}
