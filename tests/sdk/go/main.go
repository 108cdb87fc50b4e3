// Command sdkclient calls one API action through the official Tencent Cloud Go SDK, pointed at a
// custom endpoint the way users do it (HttpProfile Endpoint and Scheme). The request params are a
// JSON object on stdin; the response (the part inside "Response") is printed as JSON on stdout. An
// SDK error prints "error: CODE: message" on stderr and exits 1.
//
//	sdkclient --endpoint 127.0.0.1:PORT --secret-id ID --secret-key KEY \
//	    --service ocr --version 2018-11-19 --action RecognizeEncryptedIDCardOCR [--region R]
//
// The Go module proxy serves the SDK's common module but not the product modules (ocr, faceid), so
// the call goes through the SDK's generic client: common.NewCommonClient and
// tchttp.NewCommonRequest(service, version, action) with the params as the action's JSON.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

func usage(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "usage error: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	flags := flag.NewFlagSet("sdkclient", flag.ContinueOnError)
	endpoint := flags.String("endpoint", "", "HOST:PORT of the API")
	secretID := flags.String("secret-id", "", "SecretId")
	secretKey := flags.String("secret-key", "", "SecretKey")
	service := flags.String("service", "", "product, e.g. ocr or faceid")
	version := flags.String("version", "", "API version, e.g. 2018-11-19")
	action := flags.String("action", "", "action name")
	region := flags.String("region", "ap-guangzhou", "region")
	if err := flags.Parse(os.Args[1:]); err != nil {
		usage("%v", err)
	}
	if flags.NArg() != 0 {
		usage("unexpected arguments %v", flags.Args())
	}
	for name, value := range map[string]string{"endpoint": *endpoint, "secret-id": *secretID, "secret-key": *secretKey,
		"service": *service, "version": *version, "action": *action} {
		if value == "" {
			usage("--%s is required", name)
		}
	}
	params, err := io.ReadAll(os.Stdin)
	if err != nil {
		usage("cannot read stdin: %v", err)
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(params, &object); err != nil || object == nil {
		usage("stdin must be a JSON object")
	}

	credential := common.NewCredential(*secretID, *secretKey)
	clientProfile := profile.NewClientProfile()
	clientProfile.HttpProfile.Endpoint = *endpoint
	clientProfile.HttpProfile.Scheme = "HTTP"
	clientProfile.HttpProfile.ReqTimeout = 30
	client := common.NewCommonClient(credential, *region, clientProfile)

	request := tchttp.NewCommonRequest(*service, *version, *action)
	response := tchttp.NewCommonResponse()
	err = request.SetActionParameters(params)
	if err == nil {
		err = client.Send(request, response)
	}
	if err != nil {
		var sdkErr *tcerr.TencentCloudSDKError
		if errors.As(err, &sdkErr) {
			fmt.Fprintf(os.Stderr, "error: %s: %s\n", sdkErr.GetCode(), sdkErr.GetMessage())
		} else {
			fmt.Fprintf(os.Stderr, "error: ClientError: %v\n", err)
		}
		os.Exit(1)
	}
	// The common response holds the whole body, {"Response": {...}}.
	var body struct {
		Response json.RawMessage
	}
	decoder := json.NewDecoder(bytes.NewReader(response.GetBody()))
	decoder.UseNumber()
	if err := decoder.Decode(&body); err != nil || body.Response == nil {
		fmt.Fprintf(os.Stderr, "error: ClientError.ParseJsonError: no Response in %s\n", response.GetBody())
		os.Exit(1)
	}
	os.Stdout.Write(append(body.Response, '\n'))
}
