package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dmforge/dmforge/acsref/policy"
)

// TestCampaignFollowGroup: a campaign that follows its group takes in
// devices that joined it before each wave, skips targets that left it
// before a wave reached them, and stays running for new members when
// every target is reached; one that does not follow keeps the targets it
// started with and completes.
func TestCampaignFollowGroup(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	follow := &policy.Campaign{Name: "f", Policy: "p", First: "2", Growth: 1, Within: time.Hour, FollowGroup: true}
	fixed := &policy.Campaign{Name: "x", Policy: "p", First: "2", Growth: 1, Within: time.Hour}
	for _, c := range []*policy.Campaign{follow, fixed} {
		if err := policy.CheckCampaign(c); err != nil {
			t.Fatal(err)
		}
	}
	members := []string{"a", "b", "c", "d"}
	run := func(c *policy.Campaign) *policy.CampaignState {
		st := policy.StartCampaign(members)
		st.Followed = now
		st.Advance(c, now)
		for _, id := range []string{"a", "b"} {
			if !st.ShouldStart(c, id, now) {
				t.Fatalf("%s: %s not started", c.Name, id)
			}
			st.Succeed(id, now)
		}
		// Wave 1 is done; d left the group, e joined it.
		later := now.Add(time.Minute)
		if added := st.Advance(c, later); c.FollowGroup && len(added) != 0 {
			t.Fatalf("a following campaign assigned %v before comparing with the group", added)
		}
		if c.FollowGroup {
			if !st.Ready(c, later) {
				t.Fatal("not ready after wave 1")
			}
			if added := st.Follow([]string{"a", "b", "c", "e"}, "g", true, later); len(added) != 1 || added[0] != "e" {
				t.Fatalf("follow added %v", added)
			}
		}
		st.Advance(c, later)
		for _, id := range st.Targets[2:st.Assigned] {
			st.ShouldStart(c, id, later)
			st.Succeed(id, later)
		}
		st.Advance(c, later)
		st.Advance(c, later) // judged: the fixed campaign completes, the following one waits
		return st
	}
	st := run(follow)
	if d := st.Devices["d"]; d == nil || d.Status != policy.DeviceSkipped || !strings.Contains(d.Reason, "left group g") {
		t.Fatalf("d: %+v", d)
	}
	if st.Devices["e"] == nil || st.Devices["e"].Status != policy.DeviceSucceeded || st.Status != policy.CampaignRunning {
		t.Fatalf("following: %s %v", st.Status, st.Progress())
	}
	// A later member is a wave of its own; the next wave waits for the
	// whole group's comparison (not the informing device's alone).
	if !st.Ready(follow, now.Add(2*time.Minute)) {
		t.Fatal("not ready for new members")
	}
	st.Follow([]string{"f"}, "g", false, now.Add(2*time.Minute))
	if added := st.Advance(follow, now.Add(2*time.Minute)); len(added) != 0 {
		t.Fatalf("assigned %v before the group was compared", added)
	}
	st.Follow([]string{"a", "b", "c", "e", "f"}, "g", true, now.Add(2*time.Minute))
	if added := st.Advance(follow, now.Add(2*time.Minute)); len(added) != 1 || added[0] != "f" || st.Devices["d"].Status != policy.DeviceSkipped {
		t.Fatalf("late member: %v %v", added, st.Progress())
	}
	st = run(fixed)
	if st.Status != policy.CampaignCompleted || st.Devices["e"] != nil || st.Devices["d"].Status != policy.DeviceSucceeded {
		t.Fatalf("fixed: %s %v", st.Status, st.Progress())
	}
}

// TestCampaignPolicyVersion: the policy version seen first is adopted;
// another stops the campaign, and a resume takes the new one on.
func TestCampaignPolicyVersion(t *testing.T) {
	c := &policy.Campaign{Name: "c", Policy: "p", First: "1", Within: time.Hour}
	st := policy.StartCampaign([]string{"a", "b"})
	st.PolicyVersion = policy.PolicyVersionOf("name: p\n")
	if !st.CheckPolicyVersion(c, policy.PolicyVersionOf("name: p\n")) {
		t.Fatal("same version stopped")
	}
	if st.CheckPolicyVersion(c, policy.PolicyVersionOf("name: p\nx: 1\n")) || st.Status != policy.CampaignStopped || !strings.Contains(st.Reason, "changed") {
		t.Fatalf("changed policy: %s %s", st.Status, st.Reason)
	}
	if err := st.Resume(); err != nil || !st.CheckPolicyVersion(c, "v2") || st.PolicyVersion != "v2" {
		t.Fatalf("resume: %v %s", err, st.PolicyVersion)
	}
	if st.CheckPolicyVersion(c, "") || !strings.Contains(st.Reason, "no longer exists") {
		t.Fatalf("deleted policy: %s", st.Reason)
	}
	for _, bad := range []*policy.Campaign{
		{Name: "b", Policy: "p", Task: []byte(`{"name":"reboot"}`), First: "1", Within: time.Hour},
		{Name: "b", Policy: "p", Firmware: policy.Firmware{Version: "2", File: "f"}, First: "1", Within: time.Hour},
	} {
		if err := policy.CheckCampaign(bad); err == nil || !strings.Contains(err.Error(), "one of firmware, a task and a policy") {
			t.Fatalf("two kinds: %v", err)
		}
	}
}

// TestPolicyRolloutCampaign: a policy with rollout "campaign" is planned
// only on a device a campaign has released it to; a wrong rollout value
// is refused with its line and rule.
func TestPolicyRolloutCampaign(t *testing.T) {
	src := "name: held\nmodel: Device:2\nrollout: campaign\nvalues:\n  Device.ManagementServer.PeriodicInformInterval: 600\n"
	docs, err := policy.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	set, errs := policy.Check(docs, catalog)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	st := policy.NewMapState(policy.Facts{ID: "d"}, "Device.")
	st.Set("Device.ManagementServer.PeriodicInformInterval", "300", time.Now())
	sess := policy.NewSession(nil)
	if plan := policy.Compute(set, st, nil, sess, time.Now()); len(plan.RPCs) != 0 || plan.Outcomes["held"].Status != "" {
		t.Fatalf("unreleased: %+v", plan)
	}
	sess.Released = map[string]bool{"held": true}
	if plan := policy.Compute(set, st, nil, sess, time.Now()); len(plan.RPCs) != 1 || plan.RPCs[0].Method != "SetParameterValues" {
		t.Fatalf("released: %+v", plan)
	}
	_, err = policy.Parse([]byte("name: bad\nmodel: Device:2\nrollout: always\n"))
	es, ok := err.(policy.Errors)
	if !ok || len(es) != 1 || es[0].Line != 3 || es[0].Rule != policy.RuleSyntax || !strings.Contains(es[0].Msg, `rollout is "campaign"`) {
		t.Fatalf("bad rollout: %v", err)
	}
}
