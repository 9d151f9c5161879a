package normalize

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/syslog"
)

// Firewall and IDS text sources: Cisco ASA, Fortinet FortiGate, Check
// Point Log Exporter and Snort (see textsrc.go for how lines are told
// apart). docs/normalizers.md lists what each fills.

var firewallExpected = []string{qEventTime, qSeverity, qTitle, qRule, qNetwork, qHost}

// netAddr is one address read from text: "interface:ip/port",
// "ip/port", "ip:port", "[v6]:port", "iface/ip(port)" or a bare ip.
type netAddr struct {
	iface, ip, port string
	nat             bool // written in parentheses: the mapped (NAT) address
}

// parseAddr reads one token as an address.
func parseAddr(tok string) (netAddr, bool) {
	var a netAddr
	tok = strings.TrimRight(tok, ",;.]>")
	tok = strings.TrimLeft(tok, "[<")
	if strings.HasPrefix(tok, "(") {
		a.nat = true
		tok = strings.Trim(tok, "()")
	}
	if tok == "" || len(tok) > 120 {
		return a, false
	}
	// "outside/198.51.100.1(1234)" (ASA 106100): interface/ip(port)
	if open := strings.IndexByte(tok, '('); open > 0 && strings.HasSuffix(tok, ")") {
		inner := tok[open+1 : len(tok)-1]
		head := tok[:open]
		if _, err := strconv.Atoi(inner); err == nil {
			if slash := strings.IndexByte(head, '/'); slash > 0 {
				a.iface, head = head[:slash], head[slash+1:]
			}
			if ip, ok := netIP(head); ok {
				a.ip, a.port = ip, inner
				return a, true
			}
		}
		tok = head // "10.0.0.5/51000(CORP\alice)": the identity firewall user is read elsewhere
	}
	if slash := strings.LastIndexByte(tok, '/'); slash > 0 && slash < len(tok)-1 && portWord(tok[slash+1:]) {
		a.port, tok = tok[slash+1:], tok[:slash]
	}
	if ip, ok := netIP(tok); ok {
		a.ip = ip
		return a, true
	}
	if c := strings.IndexByte(tok, ':'); c > 0 { // interface:ip
		if ip, ok := netIP(tok[c+1:]); ok && !strings.ContainsAny(tok[:c], ".") {
			a.iface, a.ip = tok[:c], ip
			return a, true
		}
	}
	if a.port == "" {
		if ap, err := netip.ParseAddrPort(tok); err == nil {
			a.ip, a.port = ap.Addr().Unmap().String(), strconv.Itoa(int(ap.Port()))
			return a, true
		}
		if c := strings.LastIndexByte(tok, ':'); c > 0 && strings.Count(tok, ":") > 2 { // v6 written "addr:port"
			if ip, ok := netIP(tok[:c]); ok && portWord(tok[c+1:]) {
				a.ip, a.port = ip, tok[c+1:]
				return a, true
			}
		}
	}
	return a, false
}

// netIP accepts an IPv4 or IPv6 address with at least one dot or two
// colons (so "12" or "a:b" are not addresses).
func netIP(s string) (string, bool) {
	if len(s) < 3 || (!strings.Contains(s, ".") && strings.Count(s, ":") < 2) {
		return "", false
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return "", false
	}
	return ip.Unmap().String(), true
}

// portWord is a port number or an ASA service name ("ssh", "https").
func portWord(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// textAddrs returns the addresses of a message in order.
func textAddrs(s string) []netAddr {
	var out []netAddr
	for _, f := range strings.Fields(s) {
		if a, ok := parseAddr(f); ok {
			out = append(out, a)
		}
	}
	return out
}

// asaMsg describes one ASA message id.
type asaMsg struct {
	name, action string
	tech         string
}

// asaMessages maps ASA message ids (Cisco "ASA Series Syslog Messages")
// to a rule name, an action and, where the message reports one, an
// ATT&CK technique.
var asaMessages = map[string]asaMsg{
	"106001": {"Inbound TCP connection denied", "deny", ""}, "106006": {"Inbound UDP denied", "deny", ""},
	"106007": {"Inbound UDP DNS denied", "deny", ""}, "106010": {"Inbound connection denied", "deny", ""},
	"106012": {"IP options denied", "deny", ""}, "106014": {"Inbound ICMP denied", "deny", ""},
	"106015": {"TCP denied (no connection)", "deny", ""}, "106016": {"IP spoof denied", "deny", ""},
	"106017": {"Land attack denied", "deny", ""}, "106020": {"IP teardrop fragment denied", "deny", ""},
	"106021": {"Reverse path check denied", "deny", ""}, "106023": {"Denied by access group", "deny", ""},
	"106027": {"Denied by access group (no connection)", "deny", ""},
	"106100": {"Access list hit", "", ""}, "106102": {"Access list hit", "", ""},
	"302013": {"Built TCP connection", "built", ""}, "302014": {"Teardown TCP connection", "teardown", ""},
	"302015": {"Built UDP connection", "built", ""}, "302016": {"Teardown UDP connection", "teardown", ""},
	"302020": {"Built ICMP connection", "built", ""}, "302021": {"Teardown ICMP connection", "teardown", ""},
	"302023": {"Built TCP stub connection", "built", ""}, "302024": {"Teardown TCP stub connection", "teardown", ""},
	"305011": {"Built translation", "built", ""}, "305012": {"Teardown translation", "teardown", ""},
	"305013": {"Asymmetric NAT rules denied", "deny", ""}, "313001": {"ICMP denied", "deny", ""},
	"313004": {"ICMP denied (no session)", "deny", ""}, "313005": {"ICMP error without session", "deny", ""},
	"419002": {"Duplicate TCP SYN", "deny", ""}, "500004": {"Invalid transport field", "deny", ""},
	"710003": {"Access to the device denied by ACL", "deny", ""}, "710005": {"Request to the device discarded", "deny", ""},
	"113004": {"AAA authentication succeeded", "login", "T1078"}, "113005": {"AAA authentication rejected", "login-failed", "T1110"},
	"113008": {"AAA transaction accepted", "login", ""}, "113012": {"Local authentication succeeded", "login", "T1078"},
	"113014": {"AAA authentication server not accessible", "", ""}, "113015": {"Local authentication rejected", "login-failed", "T1110"},
	"113019": {"VPN session disconnected", "logout", ""}, "113039": {"AnyConnect session started", "login", "T1133"},
	"611101": {"User authentication succeeded", "login", "T1078"}, "611102": {"User authentication failed", "login-failed", "T1110"},
	"611103": {"User logged out", "logout", ""}, "605004": {"Login denied", "login-failed", "T1110"},
	"605005": {"Login permitted", "login", "T1078"}, "716001": {"WebVPN session started", "login", "T1133"},
	"716002": {"WebVPN session terminated", "logout", ""}, "722022": {"AnyConnect connection established", "login", ""},
	"722023": {"AnyConnect connection terminated", "logout", ""}, "722051": {"AnyConnect address assigned", "", ""},
	"111008": {"User executed a command", "command", ""}, "111009": {"User executed a command", "command", ""},
	"111010": {"User executed a command", "command", ""}, "502103": {"User privilege level changed", "", ""},
	"733100": {"Threat detection rate exceeded", "threat-detection", ""}, "733101": {"Threat detection: host targeted or attacking", "threat-detection", ""},
	"733102": {"Threat detection: host shunned", "threat-detection", ""}, "733104": {"TCP intercept: SYN attack", "threat-detection", "T1498"},
	"733105": {"TCP intercept: SYN attack", "threat-detection", "T1498"},
	"338001": {"Botnet traffic filter: blacklisted source", "threat", "T1071"}, "338002": {"Botnet traffic filter: blacklisted destination", "threat", "T1071"},
	"338003": {"Botnet traffic filter: blacklisted source", "threat", "T1071"}, "338004": {"Botnet traffic filter: blacklisted destination", "threat", "T1071"},
	"338005": {"Botnet traffic filter: blacklisted domain (source)", "threat", "T1071"}, "338006": {"Botnet traffic filter: blacklisted domain (destination)", "threat", "T1071"},
	"338007": {"Botnet traffic filter: blacklisted domain (source)", "threat", "T1071"}, "338008": {"Botnet traffic filter: blacklisted domain (destination)", "threat", "T1071"},
	"430001": {"Intrusion event", "ips", ""}, "430002": {"Connection started", "built", ""}, "430003": {"Connection ended", "teardown", ""},
	"430005": {"File event", "file", ""},
}

var (
	asaUserREs = []*regexp.Regexp{
		regexp.MustCompile(`\b(?:[Uu]ser(?:name)?|Uname|User [Nn]ame) ?[=:] ?([^\s,;"'<>()]+)`),
		regexp.MustCompile(`\b[Uu]ser <([^>]+)>`),
		regexp.MustCompile(`\b[Uu]ser ["']([^"']+)["']`),
	}
	asaIdfwRE = regexp.MustCompile(`\(([A-Za-z0-9_.-]+\\[^\s,()]+)\)`) // (DOMAIN\user) after an address
	asaIPSRE  = regexp.MustCompile(`^IPS:(\d+) (.+?) from `)
	asaKVRE   = regexp.MustCompile(`(\w+): ([^,]*)`) // FTD 430xxx "SrcIP: 10.0.0.1, DstIP: ..."
)

// syslogLevelSeverity maps a syslog level (0 emergencies .. 7 debugging)
// like the PRI severity.
func syslogLevelSeverity(l int) alert.Severity {
	switch {
	case l <= 2:
		return alert.SeverityCritical
	case l == 3:
		return alert.SeverityHigh
	case l == 4:
		return alert.SeverityMedium
	case l == 5:
		return alert.SeverityLow
	}
	return alert.SeverityInformational
}

func asaAlert(l textLine, li lineInfo) alert.Alert {
	m := li.asa
	info := asaMessages[m.ID]
	text := clean(m.Text)
	a := alert.Alert{
		Source:      alert.Source{Type: kindASA, Vendor: "Cisco", Product: "Cisco " + m.Facility},
		Severity:    syslogLevelSeverity(m.Level),
		EventTime:   sane(li.msg.Timestamp),
		Description: text,
		Rule:        alert.Rule{ID: m.ID, Name: info.name},
	}
	if a.Rule.Name == "" {
		a.Rule.Name = "%" + m.Facility + "-" + m.ID
	}
	action := info.action
	var es entity.Set
	es.Add(alert.EntityHostname, li.msg.Hostname, entity.RoleHost)
	kv := map[string]string{}
	if strings.HasPrefix(m.ID, "430") { // FTD connection/intrusion events: "Key: value, ..."
		for _, p := range asaKVRE.FindAllStringSubmatch(text, -1) {
			kv[p[1]] = strings.TrimSpace(p[2])
		}
	}
	switch {
	case strings.HasPrefix(m.ID, "4000") && len(m.ID) == 6: // 400000-400050: IPS signatures
		action = "ips"
		if s := asaIPSRE.FindStringSubmatch(text); s != nil {
			a.Rule.Name = "IPS " + s[1] + " " + s[2]
		} else {
			a.Rule.Name = "IPS signature"
		}
	case m.ID == "106100" || m.ID == "106102":
		for _, w := range []string{"denied", "permitted", "est-allowed"} {
			if strings.Contains(text, " "+w+" ") {
				action = strings.TrimSuffix(w, "ted")
				if w == "denied" {
					action = "deny"
				}
			}
		}
		if action == "" {
			action = "permit"
		}
	case len(kv) > 0:
		if act := strings.ToLower(kv["AccessControlRuleAction"]); act != "" {
			action = act
		}
		if msg := kv["Message"]; msg != "" {
			a.Rule.Name = msg
		}
		if sid := kv["SignatureID"]; sid != "" {
			a.Rule.ID = m.ID + ":" + kv["GeneratorID"] + ":" + sid
		}
	}
	// Addresses: src then dst, except "Built outbound": the "for" side is
	// the remote responder, the "to" side the inside initiator.
	addrs := textAddrs(text)
	if len(kv) > 0 {
		addrs = nil
		if ip, ok := netIP(kv["SrcIP"]); ok {
			addrs = append(addrs, netAddr{ip: ip, port: kv["SrcPort"]})
		}
		if ip, ok := netIP(kv["DstIP"]); ok {
			addrs = append(addrs, netAddr{ip: ip, port: kv["DstPort"]})
		}
		es.Add(alert.EntityUser, kv["User"], entity.RoleActor)
	}
	var direct []netAddr
	for _, ad := range addrs {
		if ad.nat {
			es.Add(alert.EntityIP, ad.ip, entity.RoleRelated)
			continue
		}
		direct = append(direct, ad)
	}
	if strings.HasPrefix(text, "Built outbound") && len(direct) >= 2 {
		direct[0], direct[1] = direct[1], direct[0]
	}
	if m.ID == "733101" && strings.Contains(text, "is targeted") && len(direct) > 0 {
		direct = append([]netAddr{{}}, direct...) // the object is the target
	}
	var src, dst netAddr
	for i, ad := range direct {
		role := entity.RoleRelated
		switch i {
		case 0:
			role, src = entity.RoleSrc, ad
		case 1:
			role, dst = entity.RoleDst, ad
		}
		if ad.ip != "" {
			es.Add(alert.EntityIP, ad.ip, role)
		}
	}
	user := ""
	for _, re := range asaUserREs {
		if u := re.FindStringSubmatch(text); u != nil && !strings.Contains(u[1], "***") && !strings.EqualFold(u[1], "IP") {
			user = strings.Trim(u[1], `"'`)
			break
		}
	}
	if idfw := asaIdfwRE.FindStringSubmatch(text); idfw != nil && !strings.HasPrefix(idfw[1], "LOCAL\\") {
		es.Add(alert.EntityUser, idfw[1], entity.RoleActor)
	}
	if user != "" {
		es.Add(alert.EntityUser, user, entity.RoleActor)
	}
	switch action {
	case "login-failed":
		a.Severity = max(a.Severity, alert.SeverityLow)
	case "threat", "ips":
		a.Severity = max(a.Severity, alert.SeverityMedium)
	}
	if info.tech != "" {
		a.Techniques = []string{info.tech}
	}
	if m.ID == "733100" && strings.Contains(strings.ToLower(text), "scanning") {
		a.Techniques = append(a.Techniques, "T1046")
	}
	a.Title = "Cisco " + m.Facility + " " + m.ID + " " + a.Rule.Name
	if src.ip != "" && dst.ip != "" {
		a.Title += ": " + hostPort(src) + " -> " + hostPort(dst)
	} else if user != "" {
		a.Title += ": " + user
	}
	a.Title = truncateUTF8(a.Title, 200)
	addTags(&a, action, "level:"+strconv.Itoa(m.Level))
	if f := strings.Fields(text); len(f) > 1 && (action == "deny" || action == "built" || action == "teardown") {
		if p := strings.ToLower(f[1]); p == "tcp" || p == "udp" || p == "icmp" || p == "inbound" || p == "outbound" {
			addTags(&a, p)
		}
	}
	es.Scan(text)
	a.Entities = es.Entities()
	finish(&a, record{loc: l.loc}, nil, nil, firewallExpected)
	a.Raw = rawText(l.text)
	return a
}

func hostPort(a netAddr) string {
	if a.port == "" {
		return a.ip
	}
	if strings.Contains(a.ip, ":") {
		return "[" + a.ip + "]:" + a.port
	}
	return a.ip + ":" + a.port
}

// fortiLevel maps FortiOS log levels.
var fortiLevel = map[string]alert.Severity{"emergency": alert.SeverityCritical, "alert": alert.SeverityCritical, "critical": alert.SeverityCritical,
	"error": alert.SeverityHigh, "warning": alert.SeverityMedium, "notice": alert.SeverityLow, "information": alert.SeverityInformational,
	"informational": alert.SeverityInformational, "debug": alert.SeverityInformational}

// fortiTime reads eventtime (epoch s/ms/µs/ns) or date + time (+ tz).
func fortiTime(kv syslog.KVs) time.Time {
	if et := kv.Get("eventtime"); et != "" {
		if n, err := strconv.ParseInt(et, 10, 64); err == nil && n > 1e17 { // FortiOS 6.2+: nanoseconds
			return sane(time.Unix(0, n))
		}
		if f, err := strconv.ParseFloat(et, 64); err == nil {
			if t := epochTime(f); !t.IsZero() {
				return t
			}
		}
	}
	d, tm := kv.Get("date"), kv.Get("time")
	if d == "" || tm == "" {
		return time.Time{}
	}
	if tz := kv.Get("tz"); len(tz) == 5 && (tz[0] == '+' || tz[0] == '-') {
		if t, err := time.Parse("2006-01-02 15:04:05 -0700", d+" "+tm+" "+tz); err == nil {
			return sane(t)
		}
	}
	if t, err := time.Parse("2006-01-02 15:04:05", d+" "+tm); err == nil {
		return sane(t)
	}
	return time.Time{}
}

func fortiAlert(l textLine, li lineInfo) alert.Alert {
	kv := li.kv
	g := func(k string) string { return clean(kv.Get(k)) }
	typ, sub, action := g("type"), g("subtype"), g("action")
	a := alert.Alert{
		Source:      alert.Source{Type: kindFortiGate, Vendor: "Fortinet", Product: "FortiGate"},
		EventTime:   fortiTime(kv),
		Description: g("msg"),
	}
	if a.EventTime.IsZero() {
		a.EventTime = sane(li.msg.Timestamp)
	}
	name := firstNonEmpty(g("attack"), g("virus"), g("logdesc"), g("app"), g("eventtype"), g("msg"))
	a.Rule = alert.Rule{ID: firstNonEmpty(g("attackid"), g("virusid"), g("logid")), Name: name}
	if a.Rule.ID == g("logid") && (g("attack") != "" || g("virus") != "") {
		a.Rule.ID = firstNonEmpty(g("attack"), g("virus"))
	}
	sev := alert.SeverityUnknown
	if s, ok := severityFromText(g("severity")); ok && (sub == "ips" || sub == "anomaly" || g("attack") != "") {
		sev = s
	}
	switch {
	case sev != alert.SeverityUnknown:
	case sub == "virus" || g("virus") != "":
		sev = alert.SeverityHigh
	default:
		if s, ok := severityFromText(g("crlevel")); ok {
			sev = s
		} else if s, ok := fortiLevel[strings.ToLower(g("level"))]; ok {
			sev = s
		} else if s, ok := severityFromText(g("severity")); ok {
			sev = s
		}
	}
	a.Severity = sev
	desc := strings.ToLower(g("logdesc") + " " + g("msg"))
	if strings.Contains(desc, "login failed") || strings.Contains(desc, "login fail") || strings.Contains(desc, "authentication fail") {
		a.Severity = max(a.Severity, alert.SeverityLow)
		a.Techniques = append(a.Techniques, "T1110")
	}
	what := typ
	if sub != "" {
		what += "/" + sub
	}
	a.Title = "FortiGate " + what
	if action != "" {
		a.Title += " " + action
	}
	if name != "" {
		a.Title += ": " + name
	}
	src, dst := g("srcip"), g("dstip")
	if src != "" && dst != "" && name == "" {
		a.Title += ": " + src + " -> " + dst
	}
	a.Title = truncateUTF8(a.Title, 200)
	addTags(&a, typ, sub, action, g("eventtype"), g("service"), g("attackcontext"))
	if id := g("logid"); id != "" {
		addTags(&a, "logid:"+id)
	}
	var es entity.Set
	es.Add(alert.EntityHostname, firstNonEmpty(g("devname"), li.msg.Hostname), entity.RoleHost)
	addEntity(&es, alert.EntityHostname, src, entity.RoleSrc)
	addEntity(&es, alert.EntityHostname, dst, entity.RoleDst)
	addEntity(&es, alert.EntityIP, g("remip"), entity.RoleSrc)
	addEntity(&es, alert.EntityIP, g("tranip"), entity.RoleRelated)
	addEntity(&es, alert.EntityIP, g("transip"), entity.RoleRelated)
	for _, k := range []string{"user", "srcuser", "unauthuser"} {
		addEntity(&es, alert.EntityUser, g(k), entity.RoleActor)
	}
	addEntity(&es, alert.EntityUser, g("dstuser"), entity.RoleTarget)
	if ui := g("ui"); ui != "" { // "ssh(198.51.100.9)", "GUI(198.51.100.9)"
		if i, j := strings.IndexByte(ui, '('), strings.LastIndexByte(ui, ')'); i >= 0 && j > i {
			addEntity(&es, alert.EntityIP, ui[i+1:j], entity.RoleSrc)
		}
	}
	host := g("hostname")
	if !es.Add(alert.EntityDomain, host, entity.RoleDst) {
		addEntity(&es, alert.EntityHostname, host, entity.RoleDst)
	}
	es.Add(alert.EntityDomain, g("qname"), entity.RoleDst)
	if u := g("url"); u != "" {
		if !strings.Contains(u, "://") && host != "" {
			u = "http://" + host + u
		}
		es.Add(alert.EntityURL, u, entity.RoleDst)
	}
	es.Add(alert.EntityFile, g("filename"), entity.RoleFile)
	es.AddHash(g("filehash"), entity.RoleFile)
	es.AddHash(g("analyticscksum"), entity.RoleFile)
	es.Scan(a.Description)
	a.Entities = es.Entities()
	finish(&a, record{loc: l.loc}, nil, nil, firewallExpected)
	a.Raw = rawText(l.text)
	a.Unmapped = kvUnmapped(kv, fortiMapped)
	return a
}

var fortiMapped = set("date", "time", "eventtime", "tz", "type", "subtype", "level", "action", "msg", "logid", "logdesc", "attack", "attackid",
	"virus", "virusid", "severity", "crlevel", "srcip", "dstip", "remip", "tranip", "transip", "user", "srcuser", "unauthuser", "dstuser", "ui",
	"hostname", "qname", "url", "filename", "filehash", "analyticscksum", "devname", "app", "eventtype", "service", "attackcontext")

// kvUnmapped keeps the key=value pairs no field was read from.
func kvUnmapped(kv syslog.KVs, mapped map[string]bool) map[string]jsonRaw {
	var out map[string]jsonRaw
	for _, p := range kv {
		if mapped[p.Key] || p.Value == "" || len(out) >= 64 {
			continue
		}
		if out == nil {
			out = make(map[string]jsonRaw, 16)
		}
		if _, dup := out[p.Key]; !dup {
			out[clean(p.Key)] = rawText(clean(p.Value))
		}
	}
	return out
}

// checkPointSeverity reads Check Point's severity (words, or 0-4).
func checkPointSeverity(s string) (alert.Severity, bool) {
	switch strings.TrimSpace(s) {
	case "0":
		return alert.SeverityInformational, true
	case "1":
		return alert.SeverityLow, true
	case "2":
		return alert.SeverityMedium, true
	case "3":
		return alert.SeverityHigh, true
	case "4":
		return alert.SeverityCritical, true
	}
	return severityFromText(s)
}

var cpTechniqueRE = regexp.MustCompile(`\b[Tt]\d{4}(?:\.\d{3})?\b`)

func checkPointAlert(l textLine, li lineInfo) alert.Alert {
	kv := li.kv
	g := func(k string) string { return clean(kv.Get(k)) }
	product, action := g("product"), g("action")
	a := alert.Alert{
		Source:    alert.Source{Type: kindCheckPoint, Vendor: "Check Point", Product: firstNonEmpty(product, "Check Point")},
		SourceRef: strings.Trim(g("loguid"), "{}"),
	}
	if t := g("time"); t != "" {
		a.EventTime = timeOf(t).t
	}
	if a.EventTime.IsZero() {
		a.EventTime = sane(li.msg.Timestamp)
	}
	threat := firstNonEmpty(g("protection_name"), g("attack"), g("malware_family"), g("malware_action"), g("verdict"))
	name := firstNonEmpty(threat, g("rule_name"), g("layer_name"))
	a.Rule = alert.Rule{ID: firstNonEmpty(g("protection_id"), g("malware_rule_id"), g("rule_uid"), g("rule"), g("rule_name")), Name: name}
	a.Description = firstNonEmpty(g("attack_info"), g("description"), g("reason"), g("msg"))
	sev, ok := checkPointSeverity(g("severity"))
	if !ok {
		switch act := strings.ToLower(action); {
		case threat != "":
			sev = alert.SeverityMedium
		case act == "drop" || act == "reject" || act == "block" || act == "prevent":
			sev = alert.SeverityLow
		case act == "detect":
			sev = alert.SeverityMedium
		default:
			sev = alert.SeverityInformational
		}
	}
	a.Severity = sev
	for _, p := range kv {
		if !strings.HasPrefix(p.Key, "mitre_") || p.Value == "" {
			continue
		}
		ids := cpTechniqueRE.FindAllString(p.Value, -1)
		if len(ids) == 0 {
			continue
		}
		addTactics(&a, strings.TrimPrefix(p.Key, "mitre_"))
		addTechniques(&a, ids...)
	}
	src, dst := g("src"), g("dst")
	a.Title = "Check Point " + firstNonEmpty(product, "log")
	if action != "" {
		a.Title += " " + action
	}
	if name != "" {
		a.Title += ": " + name
	}
	if src != "" && dst != "" {
		a.Title += " " + src + " -> " + dst
	}
	a.Title = truncateUTF8(a.Title, 200)
	addTags(&a, action, g("protection_type"), g("confidence_level"), g("ifdir"), g("service_id"))
	var es entity.Set
	addEntity(&es, alert.EntityHostname, firstNonEmpty(g("origin"), li.msg.Hostname), entity.RoleHost)
	if li.msg.Hostname != "" {
		addEntity(&es, alert.EntityHostname, li.msg.Hostname, entity.RoleHost)
	}
	addEntity(&es, alert.EntityHostname, src, entity.RoleSrc)
	addEntity(&es, alert.EntityHostname, dst, entity.RoleDst)
	addEntity(&es, alert.EntityIP, g("xlatesrc"), entity.RoleRelated)
	addEntity(&es, alert.EntityIP, g("xlatedst"), entity.RoleRelated)
	for _, k := range []string{"src_user_name", "user", "src_user_dn"} {
		addEntity(&es, alert.EntityUser, checkPointUser(g(k)), entity.RoleActor)
	}
	addEntity(&es, alert.EntityUser, checkPointUser(g("dst_user_name")), entity.RoleTarget)
	addEntity(&es, alert.EntityHostname, g("src_machine_name"), entity.RoleSrc)
	addEntity(&es, alert.EntityHostname, g("dst_machine_name"), entity.RoleDst)
	if r := g("resource"); r != "" {
		if !es.Add(alert.EntityURL, r, entity.RoleDst) {
			es.Scan(r)
		}
	}
	es.Add(alert.EntityFile, g("file_name"), entity.RoleFile)
	for _, k := range []string{"file_md5", "file_sha1", "file_sha256"} {
		es.AddHash(g(k), entity.RoleFile)
	}
	es.Scan(a.Description)
	a.Entities = es.Entities()
	finish(&a, record{loc: l.loc}, nil, nil, firewallExpected)
	a.Raw = rawText(l.text)
	a.Unmapped = kvUnmapped(kv, checkPointMapped)
	return a
}

var checkPointMapped = set("product", "action", "loguid", "time", "protection_name", "attack", "malware_family", "malware_action", "verdict",
	"rule_name", "layer_name", "protection_id", "malware_rule_id", "rule_uid", "rule", "attack_info", "description", "reason", "msg", "severity",
	"src", "dst", "origin", "xlatesrc", "xlatedst", "src_user_name", "user", "src_user_dn", "dst_user_name", "src_machine_name", "dst_machine_name",
	"resource", "file_name", "file_md5", "file_sha1", "file_sha256", "protection_type", "confidence_level", "ifdir", "service_id")

// checkPointUser reads "John Doe (jdoe)" as "jdoe".
func checkPointUser(s string) string {
	if i := strings.LastIndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		return s[i+1 : len(s)-1]
	}
	return s
}

// snortClassTechniques maps Snort classtypes that name an ATT&CK
// technique.
var snortClassTechniques = map[string]string{"network-scan": "T1046", "attempted-recon": "T1595", "web-application-attack": "T1190",
	"trojan-activity": "T1071", "attempted-dos": "T1498", "successful-dos": "T1498", "denial-of-service": "T1498"}

// snortClassNames are the long names of those classtypes as printed in
// alerts ("[Classification: Web Application Attack]").
var snortClassNames = map[string]string{"detection of a network scan": "network-scan", "attempted information leak": "attempted-recon",
	"web application attack": "web-application-attack", "a network trojan was detected": "trojan-activity",
	"attempted denial of service": "attempted-dos", "denial of service": "denial-of-service"}

func snortAlert(l textLine, li lineInfo, now time.Time) alert.Alert {
	s := li.snort
	a := alert.Alert{
		Source:      alert.Source{Type: kindSnort, Vendor: "Snort", Product: "Snort"},
		Title:       clean(s.Msg),
		Description: clean(s.Classification),
		Rule:        alert.Rule{ID: s.SID, Name: clean(s.Msg)},
	}
	if strings.EqualFold(li.msg.AppName, "suricata") {
		a.Source.Vendor, a.Source.Product = "OISF", "Suricata"
	}
	if s.GID != "1" && s.GID != "" {
		a.Rule.ID = s.GID + ":" + s.SID
	}
	switch {
	case s.Priority == 0 && !strings.Contains(l.text, "[Priority:"):
		a.Severity = alert.SeverityMedium
	case s.Priority <= 1:
		a.Severity = alert.SeverityHigh
	case s.Priority == 2:
		a.Severity = alert.SeverityMedium
	case s.Priority == 3:
		a.Severity = alert.SeverityLow
	default:
		a.Severity = alert.SeverityInformational
	}
	a.EventTime = snortTime(s.Stamp, now)
	if a.EventTime.IsZero() {
		a.EventTime = sane(li.msg.Timestamp)
	}
	class := strings.ToLower(s.Classification)
	if c, ok := snortClassNames[class]; ok {
		class = c
	}
	if t, ok := snortClassTechniques[class]; ok {
		a.Techniques = []string{t}
	}
	addTags(&a, s.Classification, s.Proto, s.GID+":"+s.SID+":"+s.Rev)
	var es entity.Set
	es.Add(alert.EntityHostname, li.msg.Hostname, entity.RoleHost)
	if ad, ok := parseAddr(s.Src); ok {
		es.Add(alert.EntityIP, ad.ip, entity.RoleSrc)
	}
	if ad, ok := parseAddr(s.Dst); ok {
		es.Add(alert.EntityIP, ad.ip, entity.RoleDst)
	}
	a.Entities = es.Entities()
	finish(&a, record{loc: l.loc}, nil, nil, []string{qEventTime, qSeverity, qTitle, qRule, qNetwork})
	a.Raw = rawText(l.text)
	return a
}

// snortTime reads "MM/DD-hh:mm:ss.ffffff" (year inferred like RFC 3164)
// or "MM/DD/YY-hh:mm:ss.ffffff" (snort -y), as UTC.
func snortTime(s string, now time.Time) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse("01/02/06-15:04:05.999999", s); err == nil {
		return sane(t)
	}
	t, err := time.Parse("01/02-15:04:05.999999", s)
	if err != nil {
		return time.Time{}
	}
	now = now.UTC()
	t = time.Date(now.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	if t.After(now.Add(7 * 24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return sane(t)
}
