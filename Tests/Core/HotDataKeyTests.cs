namespace OrleansHotData.Tests.Core;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class HotDataKeyTests
{
    [Theory]
    [InlineData("product:42")]
    [InlineData("a/b/c")]
    [InlineData("ünïcödé-ключ-键-🔑")]
    [InlineData("x")]
    public void Valid_keys_pass(string key) => Assert.Null(HotDataKey.Validate(key));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a\u0001b", "control character U+0001")]
    [InlineData("line\nbreak", "control character U+000A")]
    public void Invalid_keys_say_why(string key, string reason) => Assert.Contains(reason, HotDataKey.Validate(key));

    [Fact]
    public void Unpaired_surrogates_are_refused()
    {
        Assert.Contains("unpaired surrogate", HotDataKey.Validate("bad" + '\ud800'));
        Assert.Contains("unpaired surrogate", HotDataKey.Validate("bad" + '\udc00' + "x"));
    }

    [Fact]
    public void Length_is_counted_in_utf8_bytes()
    {
        Assert.Null(HotDataKey.Validate(new string('é', 256)));
        Assert.Contains("513 UTF-8 bytes", HotDataKey.Validate(new string('é', 256) + "x"));
    }
}
