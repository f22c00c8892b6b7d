package proxy

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// versionCaps are the highest versions the proxy lets clients use where it
// must read the request or its answer: Produce v13 names topics by id
// (the proxy validates by name), Fetch v16 and later carry broker
// addresses in their answers (leader hints) that the proxy would have to
// rewrite in every fetch answer.
var versionCaps = map[int16]int16{
	0: 12, // Produce
	1: 15, // Fetch
}

// hiddenKeys are APIs the proxy does not offer: their answers carry broker
// addresses it does not rewrite (share groups' ShareFetch and
// ShareAcknowledge).
var hiddenKeys = map[int16]bool{78: true, 79: true}

// flexibleResponseHeader tells whether the answer to key at version has
// a flexible header (tagged fields after the correlation id); ApiVersions'
// never has.
func flexibleResponseHeader(key, version int16) bool {
	if key == 18 {
		return false
	}
	r := kmsg.ResponseForKey(key)
	if r == nil {
		return false
	}
	r.SetVersion(version)
	return r.IsFlexible()
}

// handle forwards one request, rewriting or answering it when its kind
// needs.
func (c *conn) handle(frame []byte, h header) error {
	switch h.key {
	case 0:
		return c.produce(frame, h)
	case 18:
		return c.forward(frame, h, c.fixAPIVersions(h.version), false)
	case 3:
		return c.forward(frame, h, c.fixMetadata(h.version), false)
	case 10:
		return c.forward(frame, h, c.fixFindCoordinator(h.version), false)
	case 60:
		return c.forward(frame, h, c.fixDescribeCluster(h.version), false)
	}
	return c.forward(frame, h, nil, false)
}

// fixAPIVersions caps the versions the broker offers to those the proxy
// reads. An answer it cannot read (a version the broker refused, answered
// at v0) passes as it is.
func (c *conn) fixAPIVersions(version int16) func([]byte) ([]byte, error) {
	return func(body []byte) ([]byte, error) {
		resp := kmsg.ApiVersionsResponse{Version: version}
		if err := resp.ReadFrom(body); err != nil || resp.ErrorCode != 0 {
			return body, nil
		}
		keys := resp.ApiKeys[:0]
		for _, k := range resp.ApiKeys {
			if hiddenKeys[k.ApiKey] {
				continue
			}
			max := k.MaxVersion
			if req := kmsg.RequestForKey(k.ApiKey); req != nil && needsReading(k.ApiKey) && req.MaxVersion() < max {
				max = req.MaxVersion()
			}
			if limit, ok := versionCaps[k.ApiKey]; ok && limit < max {
				max = limit
			}
			if max < k.MinVersion {
				continue
			}
			k.MaxVersion = max
			keys = append(keys, k)
		}
		resp.ApiKeys = keys
		return resp.AppendTo(nil), nil
	}
}

// needsReading tells the APIs whose requests or answers the proxy decodes.
func needsReading(key int16) bool {
	switch key {
	case 0, 3, 10, 60:
		return true
	}
	return false
}

func (c *conn) fixMetadata(version int16) func([]byte) ([]byte, error) {
	return func(body []byte) ([]byte, error) {
		resp := kmsg.MetadataResponse{Version: version}
		if err := resp.ReadFrom(body); err != nil {
			return nil, err
		}
		for i := range resp.Brokers {
			b := &resp.Brokers[i]
			var err error
			if b.Host, b.Port, err = c.p.brokerAddress(b.NodeID, b.Host, b.Port); err != nil {
				return nil, err
			}
		}
		return resp.AppendTo(nil), nil
	}
}

func (c *conn) fixFindCoordinator(version int16) func([]byte) ([]byte, error) {
	return func(body []byte) ([]byte, error) {
		resp := kmsg.FindCoordinatorResponse{Version: version}
		if err := resp.ReadFrom(body); err != nil {
			return nil, err
		}
		var err error
		if resp.ErrorCode == 0 && resp.NodeID >= 0 && resp.Host != "" {
			if resp.Host, resp.Port, err = c.p.brokerAddress(resp.NodeID, resp.Host, resp.Port); err != nil {
				return nil, err
			}
		}
		for i := range resp.Coordinators {
			co := &resp.Coordinators[i]
			if co.ErrorCode == 0 && co.NodeID >= 0 && co.Host != "" {
				if co.Host, co.Port, err = c.p.brokerAddress(co.NodeID, co.Host, co.Port); err != nil {
					return nil, err
				}
			}
		}
		return resp.AppendTo(nil), nil
	}
}

func (c *conn) fixDescribeCluster(version int16) func([]byte) ([]byte, error) {
	return func(body []byte) ([]byte, error) {
		resp := kmsg.DescribeClusterResponse{Version: version}
		if err := resp.ReadFrom(body); err != nil {
			return nil, err
		}
		for i := range resp.Brokers {
			b := &resp.Brokers[i]
			var err error
			if b.Host, b.Port, err = c.p.brokerAddress(b.NodeID, b.Host, b.Port); err != nil {
				return nil, err
			}
		}
		return resp.AppendTo(nil), nil
	}
}

// fixProduceBrokers rewrites the leader hints of a produce answer (v10+).
func (c *conn) fixProduceBrokers(resp *kmsg.ProduceResponse) error {
	for i := range resp.Brokers {
		b := &resp.Brokers[i]
		var err error
		if b.Host, b.Port, err = c.p.brokerAddress(b.NodeID, b.Host, b.Port); err != nil {
			return err
		}
	}
	return nil
}
