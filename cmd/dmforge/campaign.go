package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dmforge/dmforge/acsref"
)

func init() { rootCmd.AddCommand(newCampaignCmd()) }

func newCampaignCmd() *cobra.Command {
	cmd, c := nbiCommand(&cobra.Command{
		Use:   "campaign",
		Short: "Start and steer the reference ACS's campaigns (firmware, task, policy) through its NBI",
		Long: `Campaign starts a campaign from a JSON file (the body of POST /campaigns:
name, group, one of firmware, task or policy (with an optional
policyVersion), first, growth, soak, within, stop rules, concurrency,
followGroup, windows with timeZone "device" and fallbackTimeZone), lists
campaigns with their progress, shows one with every device's outcome, and
pauses, resumes or aborts one.

The NBI is --nbi (or $DMFORGE_NBI); its token --token (or $DMFORGE_NBI_TOKEN).`,
	}, 5*time.Minute)

	printView := func(w io.Writer, v *acsref.CampaignView) {
		fmt.Fprintf(w, "%s: %s, wave %d", v.Name, v.Status, v.Wave)
		for _, k := range []string{"targets", "unassigned", "running", "succeeded", "failed"} {
			fmt.Fprintf(w, ", %s %d", k, v.Progress[k])
		}
		if n := v.Progress["skipped"]; n > 0 {
			fmt.Fprintf(w, ", skipped %d", n)
		}
		if v.Spec.Policy != "" {
			fmt.Fprintf(w, " (policy %s, version %s)", v.Spec.Policy, v.Spec.PolicyVersion)
		}
		fmt.Fprintln(w)
		if v.Reason != "" {
			fmt.Fprintln(w, "  "+v.Reason)
		}
	}
	start := &cobra.Command{
		Use:   "start FILE",
		Short: "Create and start a campaign (JSON; - reads standard input)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var b []byte
			var err error
			if args[0] == "-" {
				b, err = io.ReadAll(cmd.InOrStdin())
			} else if err = checkFile("", args[0]); err == nil {
				b, err = os.ReadFile(args[0])
			}
			if err != nil {
				return err
			}
			var v acsref.CampaignView
			code, data, err := c.do(cmd.Context(), "POST", "/campaigns", "application/json", b, &v)
			if err := httpResult(code, data, err); err != nil {
				return err
			}
			printView(cmd.OutOrStdout(), &v)
			return nil
		},
	}
	var getFormat string
	get := &cobra.Command{
		Use:   "get [NAME]",
		Short: "List campaigns with their progress, or show one with every device's outcome (JSON)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(getFormat, "text", "json"); err != nil {
				return err
			}
			if len(args) == 1 {
				var raw json.RawMessage
				code, data, err := c.do(cmd.Context(), "GET", "/campaigns/"+url.PathEscape(args[0]), "", nil, &raw)
				if err := httpResult(code, data, err); err != nil {
					return err
				}
				var pretty bytes.Buffer
				_ = json.Indent(&pretty, raw, "", "  ")
				fmt.Fprintln(cmd.OutOrStdout(), pretty.String())
				return nil
			}
			var list []*acsref.CampaignView
			code, data, err := c.do(cmd.Context(), "GET", "/campaigns", "", nil, &list)
			if err := httpResult(code, data, err); err != nil {
				return err
			}
			if getFormat == "json" {
				return writeJSON(cmd.OutOrStdout(), append([]*acsref.CampaignView{}, list...))
			}
			for _, v := range list {
				printView(cmd.OutOrStdout(), v)
			}
			return nil
		},
	}
	addFormatFlag(get, &getFormat, "text", "json")
	cmd.AddCommand(start, get)
	for _, action := range []string{"pause", "resume", "abort"} {
		cmd.AddCommand(&cobra.Command{
			Use:   action + " NAME",
			Short: strings.ToUpper(action[:1]) + action[1:] + " a campaign",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				var v acsref.CampaignView
				code, data, err := c.do(cmd.Context(), "POST", "/campaigns/"+url.PathEscape(args[0])+"/"+action, "", nil, &v)
				if err := httpResult(code, data, err); err != nil {
					return err
				}
				printView(cmd.OutOrStdout(), &v)
				return nil
			},
		})
	}
	return cmd
}
