package cwmp

import "strings"

// Event codes of the Inform EventStruct (TR-069 Amendment 6, 3.7.1.5).
const (
	EventBootstrap                       = "0 BOOTSTRAP"
	EventBoot                            = "1 BOOT"
	EventPeriodic                        = "2 PERIODIC"
	EventScheduled                       = "3 SCHEDULED"
	EventValueChange                     = "4 VALUE CHANGE"
	EventKicked                          = "5 KICKED"
	EventConnectionRequest               = "6 CONNECTION REQUEST"
	EventTransferComplete                = "7 TRANSFER COMPLETE"
	EventDiagnosticsComplete             = "8 DIAGNOSTICS COMPLETE"
	EventRequestDownload                 = "9 REQUEST DOWNLOAD"
	EventAutonomousTransferComplete      = "10 AUTONOMOUS TRANSFER COMPLETE"
	EventDUStateChangeComplete           = "11 DU STATE CHANGE COMPLETE"
	EventAutonomousDUStateChangeComplete = "12 AUTONOMOUS DU STATE CHANGE COMPLETE"
	EventWakeup                          = "13 WAKEUP"

	EventMReboot           = "M Reboot"
	EventMScheduleInform   = "M ScheduleInform"
	EventMDownload         = "M Download"
	EventMScheduleDownload = "M ScheduleDownload"
	EventMUpload           = "M Upload"
	EventMChangeDUState    = "M ChangeDUState"
)

// IsVendorEvent reports whether code is a vendor-specific event code,
// "X <OUI or other vendor id> <name>".
func IsVendorEvent(code string) bool {
	rest, ok := strings.CutPrefix(code, "X ")
	if !ok {
		return false
	}
	vendor, name, ok := strings.Cut(rest, " ")
	return ok && vendor != "" && name != ""
}

// IsMethodEvent reports whether code is an "M <method>" event code, which
// the CPE sends together with the CommandKey of the method that caused it.
func IsMethodEvent(code string) bool {
	rest, ok := strings.CutPrefix(code, "M ")
	return ok && rest != "" && !strings.ContainsAny(rest, " \t\r\n")
}
