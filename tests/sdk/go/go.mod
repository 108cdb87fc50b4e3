module github.com/ocrcrypto/sdkclient

go 1.22

require github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.212
