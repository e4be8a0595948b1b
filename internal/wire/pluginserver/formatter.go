package pluginserver

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resource-sync/resource-sync/internal/wire/fromproto"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

type formatterServer struct {
	pb.UnimplementedFormatterServer
	plugin     string
	formatters map[string]sdk.Formatter
}

func newFormatterServer(p sdk.Plugin) *formatterServer {
	s := &formatterServer{plugin: p.Name, formatters: map[string]sdk.Formatter{}}
	for _, f := range p.Formatters {
		s.formatters[f.Name] = f.Formatter
	}
	return s
}

func (s *formatterServer) lookup(name string) (sdk.Formatter, error) {
	f, ok := s.formatters[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "plugin %s has no formatter %q", s.plugin, name)
	}
	return f, nil
}

func (s *formatterServer) Decode(stream grpc.BidiStreamingServer[pb.Decode_Request, pb.Decode_Response]) error {
	return serveBatches(stream, func(req *pb.Decode_Request) (*pb.Decode_Response, error) {
		f, err := s.lookup(req.GetFormat())
		if err != nil {
			return nil, err
		}
		docs := req.GetDocuments()
		resp := &pb.Decode_Response{Results: make([]*pb.Decode_Result, len(docs))}
		eachAtOnce(len(docs), func(i int) {
			var values []sdk.Value
			err := guard(s.plugin, func() (err error) {
				values, err = f.Decode(fromproto.Document(docs[i]))
				return err
			})
			resp.Results[i] = toproto.Decode_Result(values, err)
		})
		return resp, nil
	})
}

func (s *formatterServer) Encode(stream grpc.BidiStreamingServer[pb.Encode_Request, pb.Encode_Response]) error {
	return serveBatches(stream, func(req *pb.Encode_Request) (*pb.Encode_Response, error) {
		f, err := s.lookup(req.GetFormat())
		if err != nil {
			return nil, err
		}
		style := fromproto.Style(req.GetStyle())
		resp := &pb.Encode_Response{Results: make([]*pb.Encode_Result, len(req.GetValues()))}
		for i, v := range req.GetValues() {
			var content []byte
			err := guard(s.plugin, func() (err error) {
				content, err = f.Encode(fromproto.Value(v), style)
				return err
			})
			resp.Results[i] = toproto.Encode_Result(content, err)
		}
		return resp, nil
	})
}

// serveBatches answers each request message of a bidirectional stream with
// exactly one response message, until the host half-closes.
func serveBatches[Req, Resp any](stream grpc.BidiStreamingServer[Req, Resp], handle func(*Req) (*Resp, error)) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp, err := handle(req)
		if err != nil {
			return err
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

// eachAtOnce calls f for 0 to n-1 on a goroutine per scheduler thread
// (GOMAXPROCS), for batches of at least two documents per thread: the
// built-ins' shared process keeps one per CPU, a plugin alone in its
// process one per four (leanScheduler). A formatter may be called
// concurrently (sdk.Formatter), and decoding a batch of documents, each
// parsed on its own, is where a sync's read spends its time in a
// formatter.
func eachAtOnce(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/2)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}
