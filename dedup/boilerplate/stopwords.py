"""The function words whose share in a block marks running prose."""

# Common function words of English, the main Western European languages,
# Russian, Arabic and Urdu: a high share marks running prose. (Chinese and
# Japanese, written without spaces, lean on the other features.)
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor
    not now of off on once only or other our out over own said same she should so some such than that
    the their them then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your
    der die das den dem des ein eine einer eines einem und ist nicht mit sich auf für von zu im ist es
    sie wir ich auch als wie aber oder wenn noch nach bei aus so dass werden wird wurde sind hat haben
    le la les un une des du de et est en que qui dans pour pas sur au aux ce cette il elle ils nous vous
    avec par plus mais ou se son sa ses leur été être
    el los las una uno y es en que de del por para con no se su sus al lo como pero más o este esta
    ha fue son muy ya también entre
    o os as um uma e é em que de do da dos das no na nos nas por para com não se seu sua ao à mais mas
    foi são como ou
    il lo gli di che è per non con una sono del della dei nel alla anche come più ma
    de het een en is dat van te in op niet met voor zijn er die aan ook als maar om
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну ли если уже или ни быть был него до вас нибудь
    уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам
    чтобы без будто чего раз тоже себе под будет ж кто этот того потому этого какой ним здесь этом
    один мой тем чтобы нее были куда зачем всех можно при об хоть после над больше тот через эти нас
    про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
    также это года который которые которых
    في من على إلى عن أن إن مع هذا هذه ذلك التي الذي الذين كان كانت لا ما لم لن قد ثم أو بين كل بعد
    قبل حتى عند وقد وفي ومن وأن هو هي هم نحن أنا فيها فيه منها منه إلا أي أيضا وهو وهي كما لكن
    کے کی کا میں سے نے کو اور ہے ہیں تھا تھی تھے پر بھی یہ وہ کہ جو ایک اس ان کر کیا گیا ہو نہیں
    لیے لئے کہا تک بعد ساتھ جس جب اپنے اپنی""".split()
)
