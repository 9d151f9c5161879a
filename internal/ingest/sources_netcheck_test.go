package ingest

import "testing"

func TestSenderNetworkProblem(t *testing.T) {
	ok := []string{"10.1.0.0/16", "10.1.2.9/32", "192.0.2.0/24", "127.0.0.0/8", "127.0.0.1/32", "::1/128", "2001:db8:1::/48", "2001:db8:1:2::/64"}
	bad := []string{"0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "::/0", "2001:db8::/32", "224.0.0.0/24", "0.0.0.0/32", "::ffff:10.0.0.0/104", "not-a-cidr", "10.1.2.9"}
	for _, c := range ok {
		if why := senderNetworkProblem(c); why != "" {
			t.Errorf("%s refused: %s", c, why)
		}
	}
	for _, c := range bad {
		if senderNetworkProblem(c) == "" {
			t.Errorf("%s accepted", c)
		}
	}
}
