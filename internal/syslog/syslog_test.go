package syslog

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var ref = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestParse5424(t *testing.T) {
	m, err := Parse5424(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appli\"cation" eventID="1011"][examplePriority@32473 class="high"] ` + "\xef\xbb\xbf" + `An application event`)
	if err != nil {
		t.Fatal(err)
	}
	if m.Format != FormatRFC5424 || m.Priority != 165 || m.Facility != 20 || m.Severity != 5 || m.Version != 1 {
		t.Errorf("header %+v", m)
	}
	if !m.Timestamp.Equal(time.Date(2003, 10, 11, 22, 14, 15, 3e6, time.UTC)) {
		t.Errorf("timestamp %v", m.Timestamp)
	}
	if m.Hostname != "mymachine.example.com" || m.AppName != "evntslog" || m.ProcID != "" || m.MsgID != "ID47" {
		t.Errorf("fields %q %q %q %q", m.Hostname, m.AppName, m.ProcID, m.MsgID)
	}
	if len(m.StructuredData) != 2 || m.StructuredData[0].ID != "exampleSDID@32473" ||
		!slices.Equal(m.StructuredData[0].Params, []SDParam{{"iut", "3"}, {"eventSource", `Appli"cation`}, {"eventID", "1011"}}) ||
		m.StructuredData[1].Params[0] != (SDParam{"class", "high"}) {
		t.Errorf("sd %+v", m.StructuredData)
	}
	if m.Message != "An application event" {
		t.Errorf("msg %q (BOM must be stripped)", m.Message)
	}
	// Zone offsets become UTC; "-" fields are empty; no MSG.
	m, err = Parse5424("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - -")
	if err != nil || m.Timestamp != time.Date(2003, 8, 24, 12, 14, 15, 3000, time.UTC) || m.ProcID != "8710" || m.Message != "" {
		t.Errorf("%+v %v", m, err)
	}
}

func TestParse5424Errors(t *testing.T) {
	for line, field := range map[string]string{
		"<192>1 - - - - - -":                   "priority",
		"<01>1 - - - - - -":                    "priority",
		"<34>0 - - - - - -":                    "version",
		"<34>1 2003-13-11T22:14:15Z h a p m -": "timestamp",
		"<34>1 - h a p":                        "header",
		"<34>1 - h a p m [bad":                 "structured_data",
		`<34>1 - h a p m [id k="unterminated]`: "structured_data",
		"<34>1 - h a p m -x":                   "structured_data",
		"<34>1 - h a p m  x":                   "structured_data",
		"<0>-0 - h a p m -":                    "version",
	} {
		_, err := Parse5424(line)
		var se *Error
		if !errors.As(err, &se) || se.Field != field {
			t.Errorf("Parse5424(%q) = %v, want field %s", line, err, field)
		}
	}
}

func TestParse3164(t *testing.T) {
	cases := []struct {
		line                string
		format              Format
		pri                 int
		ts                  time.Time
		host, tag, pid, msg string
	}{
		{"<34>Oct 11 22:14:15 mymachine su: 'su root' failed", FormatRFC3164, 34, time.Date(2026, 10, 11, 22, 14, 15, 0, time.UTC), "mymachine", "su", "", "'su root' failed"},
		{"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", FormatRFC3164, 13, time.Date(2026, 2, 5, 17, 32, 18, 0, time.UTC), "10.0.0.99", "", "", "Use the BFG!"},
		{"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure", FormatBSD, 0, time.Date(2026, 6, 14, 15, 16, 1, 0, time.UTC), "combo", "sshd(pam_unix)", "19939", "authentication failure"},
		{"Apr 9 20:43:30 AC-PA5250 1,2024/04/09", FormatBSD, 0, time.Date(2026, 4, 9, 20, 43, 30, 0, time.UTC), "AC-PA5250", "", "", "1,2024/04/09"},
		// Stamp more than a week ahead of the reference: last year.
		{"<13>Dec 31 23:59:59 h app: x", FormatRFC3164, 13, time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), "h", "app", "", "x"},
		// Unreadable timestamp: all after PRI is the message (RFC 3164 4.3.2).
		{"<0>1990 Oct 22 10:52:01 TZ-6 scapegoat sched[0]: x", FormatRFC3164, 0, time.Time{}, "", "", "", "1990 Oct 22 10:52:01 TZ-6 scapegoat sched[0]: x"},
		{"<13>2024-01-02T03:04:05.123+01:00 host app[7]: iso", FormatRFC3164, 13, time.Date(2024, 1, 2, 2, 4, 5, 123e6, time.UTC), "host", "app", "7", "iso"},
	}
	for _, c := range cases {
		m, err := Parse(c.line, ref)
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if m.Format != c.format || m.Priority != c.pri || !m.Timestamp.Equal(c.ts) || m.Hostname != c.host ||
			m.AppName != c.tag || m.ProcID != c.pid || m.Message != c.msg {
			t.Errorf("%q:\n got %v %d %v %q %q %q %q", c.line, m.Format, m.Priority, m.Timestamp, m.Hostname, m.AppName, m.ProcID, m.Message)
		}
	}
	// Neither a PRI nor a readable stamp: still a message (FormatText).
	for line, msg := range map[string]string{"just text": "just text", "Feb 30 10:00:00 h x": "Feb 30 10:00:00 h x",
		"%ASA-4-106023: Deny tcp": "%ASA-4-106023: Deny tcp", "sshd[42]: Invalid user x": "Invalid user x"} {
		m, err := Parse3164(line, ref)
		if err != nil || m.Format != FormatText || m.Message != msg || !m.Timestamp.IsZero() {
			t.Errorf("%q: %+v %v", line, m, err)
		}
	}
	if _, err := Parse("<999>x", ref); err == nil {
		t.Error("PRI 999 accepted")
	}
}

func TestParseStamps(t *testing.T) {
	cases := []struct {
		line, host, tag, msg string
		ts                   time.Time
	}{
		{"2024-01-02T03:04:05Z bastion sshd[7]: Invalid user x from 192.0.2.1", "bastion", "sshd", "Invalid user x from 192.0.2.1", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2024-01-02T03:04:05.5+0100 bastion sshd[7]: m", "bastion", "sshd", "m", time.Date(2024, 1, 2, 2, 4, 5, 5e8, time.UTC)},
		{"2024-01-02 03:04:05 bastion sshd: m", "bastion", "sshd", "m", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		// macOS: zone without colon, and the `log show` columns.
		{"2024-01-02 03:04:05.123456-0800 mac-01 sshd[88]: m", "mac-01", "sshd", "m", time.Date(2024, 1, 2, 11, 4, 5, 123456000, time.UTC)},
		{"2024-01-02 03:04:05.123456-0800 0x2b1c5    Default     0x0                  456    0    sshd: Failed password for root", "", "sshd", "Failed password for root", time.Date(2024, 1, 2, 11, 4, 5, 123456000, time.UTC)},
		// Cisco ASA: year in the stamp, device id "host :", or no device id and a colon.
		{"<166>Jan 02 2024 03:04:05 FW01 : %ASA-6-302013: Built", "FW01", "", "%ASA-6-302013: Built", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"Jan 02 2024 03:04:05: %ASA-4-106023: Deny", "", "", "%ASA-4-106023: Deny", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"Jan  2 03:04:05.250 fw %FTD-1-430001: x", "fw", "", "%FTD-1-430001: x", time.Date(2026, 1, 2, 3, 4, 5, 25e7, time.UTC)},
		// No host: "stamp tag: msg".
		{"Jan  2 03:04:05 sshd[9]: m", "", "sshd", "m", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	for _, c := range cases {
		m, err := Parse(c.line, ref)
		if err != nil || m.Hostname != c.host || m.AppName != c.tag || m.Message != c.msg || !m.Timestamp.Equal(c.ts) {
			t.Errorf("%q:\n got %q %q %q %v %v", c.line, m.Hostname, m.AppName, m.Message, m.Timestamp, err)
		}
	}
	// Check Point Log Exporter: RFC 5424 header, non-RFC structured data kept as the message.
	m, err := Parse(`<134>1 2024-01-02T03:04:05Z gw-01 CheckPoint 26203 - [action:"Drop"; src:"192.0.2.1"]`, ref)
	if err != nil || m.AppName != "CheckPoint" || m.Message != `[action:"Drop"; src:"192.0.2.1"]` || m.Hostname != "gw-01" {
		t.Errorf("check point: %+v %v", m, err)
	}
}

func TestParseCEF(t *testing.T) {
	c, err := ParseCEF(`<134>Feb 12 10:12:13 fw01 CEF:0|Sec\|Corp|IDS\\X|1.0|100|Port \| scan|Very-High|src=10.0.0.1 msg=a b\=c d\\e\nf cs1Label=Technique cs1=T1046 request=https://x.example/a?b=c&d=e act=blocked  `)
	if err != nil {
		t.Fatal(err)
	}
	if c.Prefix != "<134>Feb 12 10:12:13 fw01" || c.Version != 0 || c.DeviceVendor != "Sec|Corp" || c.DeviceProduct != `IDS\X` ||
		c.SignatureID != "100" || c.Name != "Port | scan" || c.Severity != "Very-High" {
		t.Errorf("header %+v", c)
	}
	for k, want := range map[string]string{"src": "10.0.0.1", "msg": "a b=c d\\e\nf", "cs1": "T1046",
		"request": "https://x.example/a?b=c&d=e", "act": "blocked"} {
		if got := c.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if len(c.Extensions) != 6 {
		t.Errorf("extensions %+v", c.Extensions)
	}
	c, err = ParseCEF("CEF:1|a|b|c|d|e|f|")
	if err != nil || c.Version != 1 || c.Extensions != nil {
		t.Errorf("%+v %v", c, err)
	}
	for _, bad := range []string{"no marker", "CEF:0|a|b", "CEF:x|a|b|c|d|e|f|"} {
		if _, err := ParseCEF(bad); err == nil {
			t.Errorf("ParseCEF(%q) accepted", bad)
		}
	}
	if !IsCEF("<1>Jan 1 00:00:00 h CEF:0|") || IsCEF("CEF:|") {
		t.Error("IsCEF")
	}
}

func TestParsePANOS(t *testing.T) {
	line := `1,2024/04/09 20:43:29,123456789012,THREAT,virus,2561,2024/04/09 20:43:29,10.84.12.242,192.168.236.67,192.168.26.150,192.168.236.67,A_RULE,user@dom,,web-browsing,vsys1,Inside,Outside,ae1,ae2,default,2024/04/09 20:43:29,2398805,2,50833,443,14918,443,0x1402000,tcp,reset-server,"cdn.example.com/a,b.nupkg",Virus/Linux.example(419149938),computer-and-internet-info,medium,server-to-client,7332568507791862502,0x8000000000000000,United States,United States,,,0,,,1,,,,,,,,0,16,14,0,0,,AC-PA5250,,,,,0,,0,,N/A,script-av,Antivirus-4767-5285,0x0,0,4294967295,,,a76c7b1d,0,,,,,,,,,,,,,,,,,,,,,,,,,,,,,0,2024-04-09T20:43:29.123+01:00,`
	if !IsPANOS(line) || !IsPANOS("- "+line) || IsPANOS("1,2024-04-09,x,THREAT") {
		t.Fatal("IsPANOS")
	}
	p, err := ParsePANOS(line)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != "THREAT" || p.Subtype != "virus" || p.SrcIP != "10.84.12.242" || p.DstIP != "192.168.236.67" || p.SrcPort != 50833 ||
		p.DstPort != 443 || p.Action != "reset-server" || p.Misc != "cdn.example.com/a,b.nupkg" || p.ThreatName != "Virus/Linux.example" ||
		p.ThreatID != "419149938" || p.Severity != "medium" || p.DeviceName != "AC-PA5250" || p.SrcUser != "user@dom" {
		t.Errorf("%+v", p)
	}
	if !p.HighResTime.Equal(time.Date(2024, 4, 9, 19, 43, 29, 123e6, time.UTC)) || p.GeneratedTime.IsZero() {
		t.Errorf("times %v %v", p.HighResTime, p.GeneratedTime)
	}
	if got := splitCSV(`a,"b,""c""",,"d"x,e"f,`); !slices.Equal(got, []string{"a", `b,"c"`, "", "d", `e"f`, ""}) {
		t.Errorf("splitCSV = %q", got)
	}
	if _, err := ParsePANOS("1,2,3"); err == nil {
		t.Error("short line accepted")
	}
}

func TestVendorBodies(t *testing.T) {
	a, ok := FindASA("FW01 : %ASA-4-106023: Deny tcp src a:192.0.2.1/1")
	if !ok || a.Facility != "ASA" || a.Level != 4 || a.ID != "106023" || a.Text != "Deny tcp src a:192.0.2.1/1" {
		t.Errorf("ASA %+v %v", a, ok)
	}
	if _, ok := FindASA("100% sure: %ASA-x"); ok {
		t.Error("malformed ASA tag accepted")
	}
	kv := ParseKV(`date=2024-01-02 devname="FG 1" msg="say \"hi\"" empty="" url=/a?b=c`)
	if kv.Get("devname") != "FG 1" || kv.Get("msg") != `say "hi"` || kv.Get("url") != "/a?b=c" || kv.Get("date") != "2024-01-02" || len(kv) != 5 {
		t.Errorf("kv %+v", kv)
	}
	cp, ok := ParseCheckPoint(`[action:"Drop"; src:"192.0.2.1"; info:"a; b"]`)
	if !ok || cp.Get("action") != "Drop" || cp.Get("info") != "a; b" || len(cp) != 3 {
		t.Errorf("check point %+v", cp)
	}
	cp, ok = ParseCheckPoint(`time=1557767758|hostname=gw|product=Firewall|loguid={0x1}|originsicname=cn\=a,o\=b|`)
	if !ok || cp.Get("originsicname") != "cn=a,o=b" || cp.Get("product") != "Firewall" {
		t.Errorf("check point splunk %+v", cp)
	}
	s, ok := ParseSnort(`01/02-03:04:05.1 [**] [1:2000:3] "quoted msg" [**] [Classification: Misc] [Priority: 2] {UDP} [2001:db8::1]:53 -> 192.0.2.2:5353`)
	if !ok || s.SID != "2000" || s.Msg != "quoted msg" || s.Priority != 2 || s.Proto != "UDP" || s.Src != "[2001:db8::1]:53" || s.Classification != "Misc" {
		t.Errorf("snort %+v", s)
	}
	if _, ok := ParseSnort("[a:b:c] x"); ok {
		t.Error("non-numeric ids accepted")
	}
}
