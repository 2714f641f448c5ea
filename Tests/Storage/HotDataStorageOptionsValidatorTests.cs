using OrleansHotData.Grains.Storage;
using StackExchange.Redis;

namespace OrleansHotData.Tests.Storage;

[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class HotDataStorageOptionsValidatorTests
{
    private static readonly HotDataStorageOptions Valid = new() { ConfigurationOptions = ConfigurationOptions.Parse("127.0.0.1:6379") };

    [Fact]
    public void Defaults_with_a_connection_are_valid()
    {
        Assert.True(new HotDataStorageOptionsValidator().Validate("hotdata", Valid).Succeeded);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(HotDataStorageOptionsValidator.MaxDatabase + 1)]
    public void A_database_number_out_of_range_is_refused_naming_the_setting(int database)
    {
        var options = new HotDataStorageOptions { ConfigurationOptions = Valid.ConfigurationOptions, Database = database };

        var result = new HotDataStorageOptionsValidator().Validate("hotdata", options);

        Assert.True(result.Failed);
        Assert.Contains($"HotDataStorage:Database is {database}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_blank_key_prefix_is_refused_naming_the_setting()
    {
        var options = new HotDataStorageOptions { ConfigurationOptions = Valid.ConfigurationOptions, KeyPrefix = " " };

        var result = new HotDataStorageOptionsValidator().Validate("hotdata", options);

        Assert.True(result.Failed);
        Assert.Contains("HotDataStorage:KeyPrefix", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_connection_is_refused_naming_the_connection_string()
    {
        var result = new HotDataStorageOptionsValidator().Validate("hotdata", new HotDataStorageOptions());

        Assert.True(result.Failed);
        Assert.Contains("ConnectionStrings:Redis", result.FailureMessage, StringComparison.Ordinal);
    }
}
