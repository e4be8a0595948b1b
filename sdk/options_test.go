package sdk

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type testOptions struct {
	Limit    int           `option:"limit" default:"100" min:"1" help:"page size"`
	Rate     float64       `option:"rate" min:"0" help:"requests per second"`
	Token    string        `option:"token,secret,credential" env:"ACME_TOKEN" help:"API token"`
	Headers  []string      `option:"header,secret,credential" help:"extra header"`
	Insecure bool          `option:"insecure,credential"`
	Timeout  time.Duration `option:"timeout" default:"30s"`
	Small    int8          `option:"small"`
	internal string        // not an option
}

func TestDecodeOptions(t *testing.T) {
	tests := map[string]struct {
		options map[string]string
		want    testOptions
		wantErr string
	}{
		"defaults": {
			want: testOptions{Limit: 100, Timeout: 30 * time.Second},
		},
		"every type": {
			options: map[string]string{"limit": "7", "rate": "2.5", "token": "t0k", "header": "A: 1\nB: 2",
				"insecure": "true", "timeout": "1m30s", "small": "-3"},
			want: testOptions{Limit: 7, Rate: 2.5, Token: "t0k", Headers: []string{"A: 1", "B: 2"}, Insecure: true,
				Timeout: 90 * time.Second, Small: -3},
		},
		"keys not declared are ignored": {
			options: map[string]string{"follow": "none", "newer-option": "x"},
			want:    testOptions{Limit: 100, Timeout: 30 * time.Second},
		},
		"an empty list": {
			options: map[string]string{"header": ""},
			want:    testOptions{Limit: 100, Timeout: 30 * time.Second},
		},
		"not a number":      {options: map[string]string{"limit": "ten"}, wantErr: `option limit: "ten" is not a whole number`},
		"below the minimum": {options: map[string]string{"limit": "0"}, wantErr: "option limit: must be at least 1"},
		"out of range":      {options: map[string]string{"small": "300"}, wantErr: `option small: "300" is not a whole number`},
		"not a bool":        {options: map[string]string{"insecure": "yes please"}, wantErr: `option insecure: "yes please" is not true or false`},
		"not a duration":    {options: map[string]string{"timeout": "5"}, wantErr: `option timeout: "5" is not a duration such as 30s or 2m`},
		"negative rate":     {options: map[string]string{"rate": "-1"}, wantErr: "option rate: must be at least 0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got testOptions
			err := OpenRequest{Location: "acme://x", Options: tc.options}.DecodeOptions(&got)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(testOptions{})); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeOptionsNeverQuotesASecret(t *testing.T) {
	var got struct {
		PIN int `option:"pin,secret"`
	}
	err := OpenRequest{Options: map[string]string{"pin": "hunter2"}}.DecodeOptions(&got)
	if err == nil || strings.Contains(err.Error(), "hunter2") || err.Error() != "option pin: the value is not a whole number" {
		t.Errorf("error %v", err)
	}
	if err := (OpenRequest{}).DecodeOptions(got); err == nil {
		t.Error("decoding into a struct value, not a pointer, succeeded")
	}
}
