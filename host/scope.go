package host

import (
	"context"
	"sync"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// scopeFeed hands a destination inventory its scope, the resources about
// to be written, in parts: what the origins yielded since the last part
// was taken. Origin readers add, the destination reader takes.
type scopeFeed struct {
	mu      sync.Mutex
	pending []*pb.Resource
	closed  bool
	ready   chan struct{} // holds a token when there is news to take
}

func newScopeFeed() *scopeFeed {
	return &scopeFeed{ready: make(chan struct{}, 1)}
}

// scopeResource is a resource as an inventory is asked about it: no body.
func scopeResource(id, typ, uri string) *pb.Resource {
	return &pb.Resource{Id: id, Type: typ, Uri: uri}
}

func (s *scopeFeed) add(rs []*pb.Resource) {
	s.mu.Lock()
	s.pending = append(s.pending, rs...)
	s.mu.Unlock()
	s.signal()
}

// close says every origin was read: no part comes after the last one.
func (s *scopeFeed) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal()
}

func (s *scopeFeed) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// take waits for resources not taken yet, or for the end of the origins;
// last says nothing more will come.
func (s *scopeFeed) take(ctx context.Context) (part []*pb.Resource, last bool, err error) {
	for {
		s.mu.Lock()
		part, last = s.pending, s.closed
		s.pending = nil
		s.mu.Unlock()
		if len(part) > 0 || last {
			return part, last, nil
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}
