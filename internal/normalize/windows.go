package normalize

import (
	"strconv"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// windowsNormalizer maps Windows Event Log and Sysmon records in the
// common JSON shapes: the XML event rendered as JSON ({"Event": {"System":
// ..., "EventData": {"Data": [{"@Name": ..., "#text": ...}]}}}), Winlogbeat
// / Elastic Agent (winlog.*), Wazuh eventchannel (win.system,
// win.eventdata) and flat exports (NXLog, Get-WinEvent: EventID, Computer,
// Channel and the event data as top-level fields).
type windowsNormalizer struct{}

func (windowsNormalizer) SourceType() string { return "windows" }

var winExpected = []string{qEventTime, qSeverity, qTitle, qRule, qHost, qEntities}

// winEvent is one event's system fields and event data (data keys lower-case).
type winEvent struct {
	id, channel, provider, computer, recordID, time, level string
	data                                                   map[string]string
}

// winEvents maps (channel kind, event id) to title, severity and ATT&CK.
type winInfo struct {
	title     string
	sev       alert.Severity
	technique string
}

var securityEvents = map[string]winInfo{
	"4624": {"An account was successfully logged on", alert.SeverityInformational, "T1078"},
	"4625": {"An account failed to log on", alert.SeverityLow, "T1110"},
	"4634": {"An account was logged off", alert.SeverityInformational, ""},
	"4648": {"A logon was attempted using explicit credentials", alert.SeverityLow, "T1078"},
	"4672": {"Special privileges assigned to new logon", alert.SeverityInformational, ""},
	"4688": {"A new process has been created", alert.SeverityInformational, ""},
	"4697": {"A service was installed in the system", alert.SeverityMedium, "T1543.003"},
	"4698": {"A scheduled task was created", alert.SeverityMedium, "T1053.005"},
	"4702": {"A scheduled task was updated", alert.SeverityLow, "T1053.005"},
	"4719": {"System audit policy was changed", alert.SeverityMedium, "T1562.002"},
	"4720": {"A user account was created", alert.SeverityLow, "T1136.001"},
	"4722": {"A user account was enabled", alert.SeverityLow, "T1098"},
	"4724": {"An attempt was made to reset an account's password", alert.SeverityLow, "T1098"},
	"4726": {"A user account was deleted", alert.SeverityLow, "T1531"},
	"4728": {"A member was added to a security-enabled global group", alert.SeverityMedium, "T1098"},
	"4732": {"A member was added to a security-enabled local group", alert.SeverityMedium, "T1098"},
	"4756": {"A member was added to a security-enabled universal group", alert.SeverityMedium, "T1098"},
	"4740": {"A user account was locked out", alert.SeverityMedium, "T1110"},
	"4768": {"A Kerberos authentication ticket (TGT) was requested", alert.SeverityInformational, ""},
	"4769": {"A Kerberos service ticket was requested", alert.SeverityInformational, ""},
	"4771": {"Kerberos pre-authentication failed", alert.SeverityLow, "T1110"},
	"4776": {"The computer attempted to validate the credentials for an account", alert.SeverityInformational, ""},
	"1102": {"The audit log was cleared", alert.SeverityHigh, "T1070.001"},
	"104":  {"The event log was cleared", alert.SeverityHigh, "T1070.001"},
	"7045": {"A service was installed in the system", alert.SeverityMedium, "T1543.003"},
	"4104": {"PowerShell script block logged", alert.SeverityLow, "T1059.001"},
	"4103": {"PowerShell module logging", alert.SeverityInformational, "T1059.001"},
	"5140": {"A network share object was accessed", alert.SeverityInformational, ""},
	"5145": {"A network share object was checked for access", alert.SeverityInformational, ""},
	"4663": {"An attempt was made to access an object", alert.SeverityInformational, ""},
	"4657": {"A registry value was modified", alert.SeverityLow, ""},
	"1116": {"Microsoft Defender Antivirus detected malware", alert.SeverityHigh, ""},
	"1117": {"Microsoft Defender Antivirus took action against malware", alert.SeverityHigh, ""},
}

var sysmonEvents = map[string]winInfo{
	"1":   {"Process creation", alert.SeverityInformational, ""},
	"2":   {"A process changed a file creation time", alert.SeverityLow, "T1070.006"},
	"3":   {"Network connection", alert.SeverityInformational, ""},
	"5":   {"Process terminated", alert.SeverityInformational, ""},
	"6":   {"Driver loaded", alert.SeverityLow, ""},
	"7":   {"Image loaded", alert.SeverityInformational, ""},
	"8":   {"CreateRemoteThread", alert.SeverityMedium, "T1055"},
	"9":   {"RawAccessRead", alert.SeverityMedium, "T1006"},
	"10":  {"Process accessed", alert.SeverityLow, ""},
	"11":  {"File created", alert.SeverityInformational, ""},
	"12":  {"Registry object added or deleted", alert.SeverityInformational, ""},
	"13":  {"Registry value set", alert.SeverityInformational, ""},
	"14":  {"Registry object renamed", alert.SeverityInformational, ""},
	"15":  {"File stream created", alert.SeverityLow, "T1564.004"},
	"17":  {"Pipe created", alert.SeverityInformational, ""},
	"18":  {"Pipe connected", alert.SeverityInformational, ""},
	"19":  {"WMI event filter activity", alert.SeverityMedium, "T1546.003"},
	"20":  {"WMI event consumer activity", alert.SeverityMedium, "T1546.003"},
	"21":  {"WMI consumer-to-filter activity", alert.SeverityMedium, "T1546.003"},
	"22":  {"DNS query", alert.SeverityInformational, ""},
	"23":  {"File delete archived", alert.SeverityInformational, ""},
	"24":  {"Clipboard changed", alert.SeverityLow, "T1115"},
	"25":  {"Process tampering", alert.SeverityHigh, "T1055.012"},
	"26":  {"File delete logged", alert.SeverityInformational, ""},
	"27":  {"File block executable", alert.SeverityMedium, ""},
	"255": {"Sysmon error", alert.SeverityInformational, ""},
}

// isWindowsEvent recognizes the shapes windowsNormalizer reads.
func isWindowsEvent(o []byte, ki keyIndex) bool {
	if e := ki.get("Event"); len(e) > 0 && e[0] == '{' {
		return member(e, "System") != nil
	}
	if w := ki.get("winlog"); len(w) > 0 && w[0] == '{' {
		return member(w, "event_id") != nil || member(w, "channel") != nil
	}
	if w := ki.get("win"); len(w) > 0 && w[0] == '{' && member(w, "system") != nil && ki.get("rule") == nil {
		return true
	}
	if ki.has("EventID") && (ki.has("Computer") || ki.has("Hostname") || ki.has("MachineName")) &&
		(ki.has("Channel") || ki.has("SourceName") || ki.has("ProviderName") || ki.has("LogName") || ki.has("ProviderGuid")) {
		return true
	}
	_ = o
	return false
}

func (n windowsNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, envelopes("Events", "events", "value", "records"), always(n.one))
}

// winData reads an EventData/UserData object: a "Data" list of named
// values ({"@Name"|"Name": k, "#text"|"text"|"Value"|"value": v}) or plain members.
func winData(d []byte, out map[string]string) {
	if len(d) == 0 || d[0] != '{' {
		return
	}
	list := member(d, "Data")
	if len(list) > 0 && (list[0] == '[' || list[0] == '{') {
		els := [][]byte{list}
		if list[0] == '[' {
			els, _ = elements(list)
		}
		for _, e := range els {
			if e[0] != '{' {
				continue
			}
			k := firstNonEmpty(scalar(member(e, "@Name")), scalar(member(e, "Name")), scalar(member(e, "name")))
			v := firstNonEmpty(scalar(member(e, "#text")), scalar(member(e, "text")), scalar(member(e, "Value")), scalar(member(e, "value")))
			if k != "" && v != "" {
				out[strings.ToLower(k)] = v
			}
		}
	}
	forEachMember(d, func(k, v []byte) bool {
		if s := scalar(v); s != "" {
			out[strings.ToLower(string(k))] = s
		} else if len(v) > 0 && v[0] == '{' && string(k) != "Data" {
			winData(v, out) // UserData: {"LogFileCleared": {...}}
		}
		return true
	})
}

// winText reads a scalar or an XML-as-JSON element ({"#text": ..., "@attr": ...}).
func winText(v []byte, attrs ...string) string {
	if len(v) > 0 && v[0] == '{' {
		for _, a := range append([]string{"#text", "text", "value", "Value"}, attrs...) {
			if s := scalar(member(v, a)); s != "" {
				return s
			}
		}
		return ""
	}
	return scalar(v)
}

func readWinEvent(obj []byte) (winEvent, map[string]bool) {
	ev := winEvent{data: map[string]string{}}
	mapped := map[string]bool{}
	if e := member(obj, "Event"); len(e) > 0 && e[0] == '{' {
		mapped["Event"] = true
		sys := member(e, "System")
		ev.id = winText(member(sys, "EventID"))
		ev.channel = winText(member(sys, "Channel"))
		ev.provider = winText(member(sys, "Provider"), "@Name", "Name")
		ev.computer = winText(member(sys, "Computer"))
		ev.recordID = winText(member(sys, "EventRecordID"))
		ev.time = winText(member(sys, "TimeCreated"), "@SystemTime", "SystemTime")
		ev.level = winText(member(sys, "Level"))
		if uid := winText(member(sys, "Security"), "@UserID", "UserID"); uid != "" {
			ev.data["userid"] = uid
		}
		winData(member(e, "EventData"), ev.data)
		winData(member(e, "UserData"), ev.data)
		return ev, mapped
	}
	if w := member(obj, "winlog"); len(w) > 0 && w[0] == '{' {
		mapped["winlog"] = true
		ev.id = firstNonEmpty(scalar(member(w, "event_id")), scalar(path(obj, "event", "code")))
		ev.channel = scalar(member(w, "channel"))
		ev.provider = scalar(member(w, "provider_name"))
		ev.computer = firstNonEmpty(scalar(member(w, "computer_name")), scalar(path(obj, "host", "name")))
		ev.recordID = scalar(member(w, "record_id"))
		ev.time = firstNonEmpty(scalar(member(obj, "@timestamp")), scalar(path(obj, "event", "created")))
		ev.level = scalar(path(obj, "log", "level"))
		winData(member(w, "event_data"), ev.data)
		winData(member(w, "user_data"), ev.data)
		if u := scalar(path(w, "user", "name")); u != "" {
			ev.data["user"] = firstNonEmpty(scalar(path(w, "user", "domain")), "") + `\` + u
			ev.data["user"] = strings.TrimPrefix(ev.data["user"], `\`)
		}
		if ip := stringList(path(obj, "host", "ip")); len(ip) > 0 {
			ev.data["_host_ip"] = ip[0]
		}
		return ev, mapped
	}
	if w := member(obj, "win"); len(w) > 0 && w[0] == '{' {
		mapped["win"] = true
		sys := member(w, "system")
		ev.id = scalar(member(sys, "eventID"))
		ev.channel = scalar(member(sys, "channel"))
		ev.provider = scalar(member(sys, "providerName"))
		ev.computer = scalar(member(sys, "computer"))
		ev.recordID = scalar(member(sys, "eventRecordID"))
		ev.time = scalar(member(sys, "systemTime"))
		ev.level = scalar(member(sys, "level"))
		winData(member(w, "eventdata"), ev.data)
		return ev, mapped
	}
	// Flat export: system fields and event data side by side.
	for k, dst := range map[string]*string{"EventID": &ev.id, "Channel": &ev.channel, "LogName": &ev.channel, "SourceName": &ev.provider,
		"ProviderName": &ev.provider, "Computer": &ev.computer, "Hostname": &ev.computer, "MachineName": &ev.computer,
		"RecordNumber": &ev.recordID, "EventRecordID": &ev.recordID, "RecordId": &ev.recordID, "Level": &ev.level} {
		if v := winText(member(obj, k)); v != "" && *dst == "" {
			*dst = v
			mapped[k] = true
		}
	}
	for _, k := range []string{"TimeCreated", "EventTime", "@timestamp", "TimeGenerated", "UtcTime"} {
		if v := winText(member(obj, k), "SystemTime"); v != "" {
			ev.time = v
			mapped[k] = true
			break
		}
	}
	if ed := member(obj, "EventData"); ed != nil {
		mapped["EventData"] = true
		winData(ed, ev.data)
	}
	winData(obj, ev.data)
	return ev, mapped
}

// winTime reads Windows time forms: RFC 3339, "2025-05-01 10:00:00.123",
// and the /Date(1714557600000)/ form of ConvertTo-Json.
func winTime(s string) alertTime {
	if strings.HasPrefix(s, "/Date(") {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "/Date("), ")/")
	}
	return timeOf(s)
}

func (windowsNormalizer) one(rec record) (alert.Alert, error) {
	if err := validRaw(rec); err != nil {
		return alert.Alert{}, err
	}
	ev, mapped := readWinEvent(rec.raw)
	d := ev.data
	sysmon := strings.Contains(strings.ToLower(ev.provider+ev.channel), "sysmon")
	channel := firstNonEmpty(ev.channel, ev.provider, "Windows")
	a := alert.Alert{Source: alert.Source{Type: "windows", Vendor: "Microsoft", Product: "Windows Event Log"}}
	if sysmon {
		a.Source.Product = "Sysmon"
	}
	if ev.id != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(ev.id)); err == nil {
			ev.id = strconv.Itoa(n)
		}
	}
	info, known := securityEvents[ev.id]
	if sysmon {
		info, known = sysmonEvents[ev.id]
	}
	if !known {
		info = winInfo{title: "Event " + ev.id, sev: winLevel(ev.level)}
	}
	a.Rule = alert.Rule{ID: channel + ":" + ev.id, Name: info.title}
	if sysmon {
		a.Rule.ID = "sysmon:" + ev.id
	}
	a.Severity = info.sev
	if info.technique != "" {
		a.Techniques = []string{info.technique}
	}
	a.SourceRef = strings.Trim(ev.computer+"/"+channel+"/"+ev.recordID, "/")
	if ev.recordID == "" {
		a.SourceRef = ""
	}
	a.EventTime = winTime(firstNonEmpty(ev.time, d["utctime"])).t
	if a.EventTime.IsZero() {
		a.EventTime = winTime(d["utctime"]).t
	}

	var es entity.Set
	addEntity(&es, alert.EntityHostname, ev.computer, entity.RoleHost)
	addEntity(&es, alert.EntityIP, d["_host_ip"], entity.RoleHost)
	user := func(name, domain string) string {
		if name == "" || name == "-" || strings.HasSuffix(name, "$") && domain == "" {
			return ""
		}
		if domain != "" && domain != "-" && !strings.Contains(name, `\`) {
			return domain + `\` + name
		}
		return name
	}
	subject := user(d["subjectusername"], d["subjectdomainname"])
	target := user(d["targetusername"], d["targetdomainname"])
	actor := firstNonEmpty(d["user"], subject)
	addEntity(&es, alert.EntityUser, actor, entity.RoleActor)
	addEntity(&es, alert.EntityUser, target, entity.RoleTarget)
	addEntity(&es, alert.EntityUser, user(d["membername"], ""), entity.RoleTarget)
	for _, k := range []string{"ipaddress", "sourceip", "clientaddress", "sourceaddress"} {
		addEntity(&es, alert.EntityIP, strings.TrimPrefix(d[k], "::ffff:"), entity.RoleSrc)
	}
	addEntity(&es, alert.EntityHostname, firstNonEmpty(d["workstationname"], d["sourcehostname"]), entity.RoleSrc)
	addEntity(&es, alert.EntityIP, d["destinationip"], entity.RoleDst)
	addEntity(&es, alert.EntityHostname, d["destinationhostname"], entity.RoleDst)
	image := firstNonEmpty(d["image"], d["newprocessname"], d["processname"], d["application"], d["sourceimage"])
	addEntity(&es, alert.EntityProcess, image, entity.RoleProcess)
	addEntity(&es, alert.EntityProcess, firstNonEmpty(d["parentimage"], d["parentprocessname"]), entity.RoleRelated)
	addEntity(&es, alert.EntityProcess, d["targetimage"], entity.RoleTarget)
	addEntity(&es, alert.EntityFile, firstNonEmpty(d["targetfilename"], d["imageloaded"], d["objectname"], d["path"]), entity.RoleFile)
	addEntity(&es, alert.EntityDomain, d["queryname"], entity.RoleDst)
	addEntity(&es, entity.TypeRegistryKey, d["targetobject"], entity.RoleTarget)
	addEntity(&es, alert.EntityHostname, firstNonEmpty(d["servicename"], ""), "")
	for _, h := range strings.Split(firstNonEmpty(d["hashes"], d["hash"]), ",") { // Sysmon: SHA1=..,MD5=..,SHA256=..,IMPHASH=..
		k, val, ok := strings.Cut(strings.TrimSpace(h), "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(k) {
		case "MD5":
			es.Add(alert.EntityMD5, val, entity.RoleProcess)
		case "SHA1":
			es.Add(alert.EntitySHA1, val, entity.RoleProcess)
		case "SHA256":
			es.Add(alert.EntitySHA256, val, entity.RoleProcess)
		}
	}
	cmd := firstNonEmpty(d["commandline"], d["processcommandline"], d["scriptblocktext"])
	es.Scan(cmd)

	// Titles: "Sysmon 1 Process creation: C:\...\cmd.exe" / "Security 4625 An account failed to log on: CORP\bob from 203.0.113.9"
	what := ""
	switch {
	case ev.id == "4625" || ev.id == "4624" || ev.id == "4648" || ev.id == "4771" || ev.id == "4740" || ev.id == "4776":
		what = firstNonEmpty(target, d["targetusername"], actor)
		if ip := firstNonEmpty(d["ipaddress"], d["clientaddress"]); ip != "" && ip != "-" {
			what += " from " + ip
		}
		if lt := d["logontype"]; lt != "" {
			addTags(&a, "logon_type:"+lt)
		}
	case image != "":
		what = image
		if sysmon && ev.id == "3" && d["destinationip"] != "" {
			what += " to " + d["destinationip"] + ":" + d["destinationport"]
		}
	case d["queryname"] != "":
		what = d["queryname"]
	case d["servicename"] != "":
		what = d["servicename"]
	case d["taskname"] != "":
		what = d["taskname"]
	case target != "":
		what = target
	}
	prefix := channel
	if sysmon {
		prefix = "Sysmon"
	}
	a.Title = prefix + " " + ev.id + " " + info.title
	if what != "" {
		a.Title += ": " + what
	}
	a.Description = truncateUTF8(clean(cmd), 4000)
	// Well-known detections on top of the event's own mapping.
	lower := strings.ToLower(d["targetimage"] + " " + cmd + " " + d["targetobject"])
	switch {
	case sysmon && ev.id == "10" && strings.HasSuffix(strings.ToLower(d["targetimage"]), `\lsass.exe`):
		a.Severity = alert.SeverityHigh
		a.Techniques = append(a.Techniques, "T1003.001")
		a.Title = "Sysmon 10 LSASS process memory accessed by " + firstNonEmpty(d["sourceimage"], "a process")
	case (sysmon && (ev.id == "12" || ev.id == "13")) && strings.Contains(lower, `\currentversion\run`):
		a.Severity = max(a.Severity, alert.SeverityMedium)
		a.Techniques = append(a.Techniques, "T1547.001")
	case strings.Contains(lower, "vssadmin") && strings.Contains(lower, "delete shadows"):
		a.Severity = max(a.Severity, alert.SeverityHigh)
		a.Techniques = append(a.Techniques, "T1490")
	case strings.Contains(lower, "-encodedcommand") || strings.Contains(lower, " -enc "):
		a.Severity = max(a.Severity, alert.SeverityMedium)
		a.Techniques = append(a.Techniques, "T1059.001", "T1027")
	case ev.id == "4769" && strings.EqualFold(d["ticketencryptiontype"], "0x17"):
		a.Severity = max(a.Severity, alert.SeverityMedium)
		a.Techniques = append(a.Techniques, "T1558.003")
	}
	addTags(&a, channel)
	a.Entities = es.Entities()
	finish(&a, rec, rec.raw, mapped, winExpected)
	return a, nil
}

// winLevel maps the System Level: 1 critical, 2 error, 3 warning, 4/0 information.
func winLevel(l string) alert.Severity {
	switch strings.ToLower(strings.TrimSpace(l)) {
	case "1", "critical":
		return alert.SeverityCritical
	case "2", "error":
		return alert.SeverityHigh
	case "3", "warning":
		return alert.SeverityMedium
	}
	return alert.SeverityInformational
}
