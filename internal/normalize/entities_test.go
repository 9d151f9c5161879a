package normalize

import "testing"

// TestMissedEntities pins entities that were missed in supported formats
// (issue 8 §6). Records are minimal, written from each vendor's public
// field reference with invented values.
func TestMissedEntities(t *testing.T) {
	cases := []struct {
		name, sourceType, raw string
		want                  []ent
	}{
		{"cloudtrail request parameters", "cloudtrail",
			`{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","eventTime":"2025-03-01T00:00:00Z","sourceIPAddress":"198.51.100.61",
			  "userIdentity":{"type":"IAMUser","userName":"admin-ops","arn":"arn:aws:iam::111122223333:user/admin-ops"},
			  "requestParameters":{"userName":"backup-svc"},"responseElements":{"accessKey":{"accessKeyId":"AKIAEXAMPLENEWKEY001"}}}`,
			[]ent{{Type: "user", Value: "backup-svc", Role: "target"}, {Type: "user", Value: "admin-ops", Role: "actor"}}},
		{"cloudtrail role and policy", "cloudtrail",
			`{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"AttachRolePolicy","eventTime":"2025-03-01T00:00:00Z","sourceIPAddress":"198.51.100.62",
			  "userIdentity":{"type":"IAMUser","userName":"admin-ops"},
			  "requestParameters":{"roleName":"ci-deploy","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess","accessKeyId":"AKIAEXAMPLEOLDKEY002","groupName":"Admins"}}`,
			[]ent{{Type: "user", Value: "ci-deploy", Role: "target"}, {Type: "cloud_resource", Value: "arn:aws:iam::aws:policy/AdministratorAccess", Role: "target"},
				{Type: "cloud_resource", Value: "AKIAEXAMPLEOLDKEY002", Role: "target"}, {Type: "cloud_resource", Value: "Admins", Role: "target"}}},
		{"security hub threat intel indicators", "securityhub",
			`{"SchemaVersion":"2018-10-08","Id":"f-1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty","GeneratorId":"g","AwsAccountId":"111122223333",
			  "Types":["TTPs/Command and Control"],"CreatedAt":"2025-03-01T00:00:00Z","UpdatedAt":"2025-03-01T00:00:00Z","Severity":{"Label":"HIGH"},"Title":"C2","Description":"d",
			  "Resources":[{"Type":"AwsEc2Instance","Id":"arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"}],
			  "ThreatIntelIndicators":[{"Type":"IPV4_ADDRESS","Value":"203.0.113.63","Category":"BACKDOOR"},{"Type":"DOMAIN","Value":"c2.example-bad.net"},
			    {"Type":"HASH_SHA256","Value":"7777777777777777777777777777777777777777777777777777777777777777"}],
			  "Action":{"ActionType":"NETWORK_CONNECTION","NetworkConnectionAction":{"ConnectionDirection":"OUTBOUND","RemoteIpDetails":{"IpAddressV4":"203.0.113.64"}}}}`,
			[]ent{{Type: "ip", Value: "203.0.113.63", Role: "related"}, {Type: "domain", Value: "c2.example-bad.net", Role: "related"},
				{Type: "sha256", Value: "7777777777777777777777777777777777777777777777777777777777777777", Role: "related"}, {Type: "ip", Value: "203.0.113.64", Role: "dst"}}},
		{"guardduty local address", "guardduty",
			`{"schemaVersion":"2.0","id":"g-1","arn":"arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/g-1","type":"Recon:EC2/PortProbeUnprotectedPort","severity":2,
			  "title":"t","description":"d","createdAt":"2025-03-01T00:00:00Z","resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-0123456789abcdef0"}},
			  "service":{"action":{"actionType":"NETWORK_CONNECTION","networkConnectionAction":{"connectionDirection":"INBOUND",
			    "remoteIpDetails":{"ipAddressV4":"198.51.100.65"},"localIpDetails":{"ipAddressV4":"10.1.2.3"}}}}}`,
			[]ent{{Type: "ip", Value: "198.51.100.65", Role: "src"}, {Type: "ip", Value: "10.1.2.3", Role: "dst"}}},
		{"wazuh uid users", "wazuh",
			`{"timestamp":"2025-03-01T00:00:00.000+0000","rule":{"level":5,"description":"su","id":"5303"},"agent":{"id":"001","name":"db-1"},
			  "data":{"srcuser":"root(uid=0)","dstuser":"uid=1001(deploy)"},"id":"1.2"}`,
			[]ent{{Type: "user", Value: "root", Role: "actor"}, {Type: "user", Value: "deploy", Role: "target"}}},
		{"syslog address with port in text", "syslog",
			`<38>Mar  1 00:00:00 bastion sshd[1]: Connection from 203.0.113.66:50123 closed; peer 198.51.100.67/22`,
			[]ent{{Type: "ip", Value: "203.0.113.66", Role: "related"}, {Type: "ip", Value: "198.51.100.67", Role: "related"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			as, err := Normalize(c.sourceType, []byte(c.raw))
			if err != nil || len(as) != 1 {
				t.Fatalf("%d alerts, %v", len(as), err)
			}
			checkAlert(t, as[0])
			checkWant(t, as[0], want{entities: c.want})
		})
	}
}
