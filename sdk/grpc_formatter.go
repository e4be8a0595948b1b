package sdk

import (
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

type formatterServer struct {
	pb.UnimplementedFormatterServer
	plugin     string
	formatters map[string]Formatter
}

func newFormatterServer(p *Plugin) *formatterServer {
	s := &formatterServer{plugin: p.Name, formatters: map[string]Formatter{}}
	for _, f := range p.Formatters {
		s.formatters[f.Name] = f.Formatter
	}
	return s
}

func (s *formatterServer) lookup(name string) (Formatter, error) {
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
		resp := &pb.Decode_Response{Results: make([]*pb.Decode_Result, len(req.GetDocuments()))}
		for i, d := range req.GetDocuments() {
			var values []Value
			err := guard(s.plugin, func() (err error) {
				values, err = f.Decode(documentFromProto(d))
				return err
			})
			r := &pb.Decode_Result{Error: diagnostic(err)}
			for _, v := range values {
				r.Values = append(r.Values, valueToProto(v))
			}
			resp.Results[i] = r
		}
		return resp, nil
	})
}

func (s *formatterServer) Encode(stream grpc.BidiStreamingServer[pb.Encode_Request, pb.Encode_Response]) error {
	return serveBatches(stream, func(req *pb.Encode_Request) (*pb.Encode_Response, error) {
		f, err := s.lookup(req.GetFormat())
		if err != nil {
			return nil, err
		}
		style := Style(req.GetStyle())
		resp := &pb.Encode_Response{Results: make([]*pb.Encode_Result, len(req.GetValues()))}
		for i, v := range req.GetValues() {
			var content []byte
			err := guard(s.plugin, func() (err error) {
				content, err = f.Encode(valueFromProto(v), style)
				return err
			})
			resp.Results[i] = &pb.Encode_Result{Content: content, Error: diagnostic(err)}
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
